import XCTest
import SearchSpaces

/// The JSON line of a sample, the format users' scripts read: its keys and their types for a valid
/// NB201 cell (arch index 1, whose NASLib tuple the table lists as "(2, 2, 0, 4, 2, 0)"), a valid
/// TransNAS cell (its tuple, no numeric index) and an invalid graph (its reason, no arch).
final class SampleLineTests: XCTestCase {
    func object(_ line: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testKeysAndTypes() throws {
        let nb201 = NB201Space(), table = TestData.nb201
        let row = try XCTUnwrap(table.keys.firstIndex(of: "1"))
        let valid = try object(try SampleLine.json(try nb201.encode(table.standards[row]), space: nb201, table: table))
        XCTAssertEqual(Set(valid.keys), ["adjacency", "arch", "index", "metrics", "naslib", "ops", "valid"])
        XCTAssertEqual(valid["valid"] as? Bool, true)
        XCTAssertEqual(valid["arch"] as? String, table.standards[row])
        XCTAssertEqual(valid["index"] as? Int, 1)
        XCTAssertEqual(valid["naslib"] as? String, "(2, 2, 0, 4, 2, 0)")
        XCTAssertEqual((valid["ops"] as? [Int])?.count, 8)
        XCTAssertEqual((valid["adjacency"] as? [[Int]])?.count, 8)
        XCTAssertEqual((valid["metrics"] as? [String: Double])?["cifar10-valid"], try table.value("cifar10-valid", row: row))

        let transnas = TransNASMicroSpace(), tt = TestData.transNAS
        let t = try object(try SampleLine.json(try transnas.encode(tt.standards[7]), space: transnas, table: tt))
        XCTAssertEqual(t["naslib"] as? String, tt.keys[7])
        XCTAssertNil(t["index"], "TransNAS has no numeric index")

        var broken = try nb201.encode(table.standards[row])
        broken.ops[7] = broken.ops[1]   // the output node made an input node
        let invalid = try object(try SampleLine.json(broken, space: nb201, table: table))
        XCTAssertEqual(Set(invalid.keys), ["adjacency", "ops", "reason", "valid"])
        XCTAssertEqual(invalid["valid"] as? Bool, false)
    }

    /// The best P % by a metric, in its direction: what --holdout-top leaves out of training.
    func testBestRowsFollowTheMetricsDirection() throws {
        let table = TestData.nb201
        let acc = try table.column("cifar10-valid"), lat = try table.column("lat-pixel3")
        let top = try table.bestRows(parsing: "cifar10-valid:1%", flag: "--holdout-top")
        XCTAssertEqual(top.count, Int((Double(acc.filter(\.isFinite).count) / 100).rounded()))
        let worstKept = top.map { acc[$0] }.min()!
        XCTAssertFalse(acc.indices.contains { !top.contains($0) && acc[$0] > worstKept }, "no row outside beats one inside")
        let fast = try table.bestRows(parsing: "lat-pixel3:10%", flag: "--holdout-top")
        XCTAssertLessThan(fast.map { lat[$0] }.max()!, lat.filter(\.isFinite).sorted()[lat.count / 2], "lower is better for latency")
        for bad in ["cifar10-valid", "cifar10-valid:0%", "cifar10-valid:100%", "cifar10-valid:x%"] {
            XCTAssertThrowsError(try table.bestRows(parsing: bad, flag: "--holdout-top")) { XCTAssertTrue("\($0)".hasPrefix("--holdout-top \(bad)"), "\($0)") }
        }
        XCTAssertThrowsError(try table.bestRows(parsing: "top1:1%", flag: "--holdout-top"))
    }
}
