import XCTest
@testable import Diffusion
import SearchSpaces

final class ConditionTests: XCTestCase {
    /// A 100-row table: acc = 0…99 (higher is better), lat = 99…0 (lower is better).
    let table = BenchmarkTable(space: "toy", standards: (0..<100).map { "a\($0)" }, keys: (0..<100).map { "\($0)" },
                               metrics: [MetricInfo(name: "acc", direction: .higherIsBetter, unit: "%", summary: ""),
                                         MetricInfo(name: "lat", direction: .lowerIsBetter, unit: "ms", summary: "")],
                               columns: [(0..<100).map(Double.init), (0..<100).map { Double(99 - $0) }])

    func testRulesResolveOnTheTable() throws {
        let top = try ConditionSpec(parsing: "acc:top5%", table: table)
        XCTAssertEqual((0..<100).filter { top.classOf(Double($0)) == 1 }.count, 5)          // 95…99
        let fast = try ConditionSpec(parsing: "lat:top10%", table: table)
        XCTAssertEqual((0..<100).filter { fast.classOf(Double($0)) == 1 }.count, 10)        // lowest latencies
        XCTAssertEqual(fast.classOf(0), 1)
        let p25 = try ConditionSpec(parsing: "lat:<=p25", table: table)
        XCTAssertEqual(p25.cuts, [24.75])
        let abs = try ConditionSpec(parsing: "lat:<=5", table: table)
        XCTAssertEqual(abs.classOf(5), 1); XCTAssertEqual(abs.classOf(5.01), 0)
        let bins = try ConditionSpec(parsing: "acc:bins4", table: table)
        XCTAssertEqual(bins.width, 4)
        XCTAssertEqual((0..<100).map { bins.classOf(Double($0))! }.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }, [0: 25, 1: 25, 2: 25, 3: 25])
    }

    func testBadConditionsSayWhatIsAccepted() {
        XCTAssertThrowsError(try ConditionSpec(parsing: "accuracy:top5%", table: table)) { XCTAssertTrue("\($0)".contains("acc, lat"), "\($0)") }
        XCTAssertThrowsError(try ConditionSpec(parsing: "acc", table: table)) { XCTAssertTrue("\($0)".contains("METRIC:RULE"), "\($0)") }
        XCTAssertThrowsError(try ConditionSpec(parsing: "acc:best", table: table)) { XCTAssertTrue("\($0)".contains("topP%"), "\($0)") }
        let trained = [try! ConditionSpec(parsing: "acc:top5%", table: table)]
        XCTAssertThrowsError(try ConditionTarget(parsing: "lat", conditions: trained, weight: 2)) {
            XCTAssertTrue("\($0)".contains("trained with conditions: acc:top5%"), "\($0)")
        }
        XCTAssertThrowsError(try ConditionTarget(parsing: "acc=3", conditions: trained, weight: 2))
    }

    /// Thresholds that are not finite numbers, classes the table leaves empty and a metric given twice
    /// are refused when parsed, so that no run fails later on them.
    func testNonFiniteThresholdsEmptyClassesAndRepeatedMetricsAreRefused() throws {
        for text in ["acc:<=nan", "acc:>=inf", "lat:<=-inf", "acc:topnan%"] {
            XCTAssertThrowsError(try ConditionSpec(parsing: text, table: table), text) { XCTAssertTrue("\($0)".contains("not a finite number"), "\($0)") }
        }
        for (text, what) in [("acc:<=200", "the unsatisfied class"), ("acc:>=200", "the satisfied class"), ("lat:<=-1", "the satisfied class")] {
            XCTAssertThrowsError(try ConditionSpec(parsing: text, table: table), text) {
                XCTAssertTrue("\($0)".contains("\(what) holds no architecture") && "\($0)".contains("0.0…99.0"), "\($0)")
            }
        }
        XCTAssertNoThrow(try ConditionSpec(parsing: "acc:<=98.5", table: table))
        let twice = [try ConditionSpec(parsing: "acc:top5%", table: table), try ConditionSpec(parsing: "acc:bins3", table: table)]
        XCTAssertThrowsError(try ConditionSpec.requireDistinct(twice)) { XCTAssertTrue("\($0)".hasPrefix("--condition acc:bins3:"), "\($0)") }
        XCTAssertNoThrow(try ConditionSpec.requireDistinct([twice[0], try ConditionSpec(parsing: "lat:<=p25", table: table)]))
    }
}
