import XCTest
import SearchSpaces

/// One failing example per validity rule, for both 8-node spaces, each with its reason key.
final class ValidityRuleTests: XCTestCase {
    /// The fixed adjacency written out by hand (dinas-spec §1.2).
    static func fixedAdjacency() -> [Bool] {
        var a = [Bool](repeating: false, count: 64)
        for (i, j) in [(0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7)] { a[i * 8 + j] = true }
        return a
    }

    func check(_ space: any SearchSpace, ops: [Int], adjacency: [Bool]? = nil, expect reason: String?,
               file: StaticString = #filePath, line: UInt = #line) {
        let g = ArchGraph(ops: ops, adjacency: adjacency ?? (ops.count == 8 ? Self.fixedAdjacency() : [Bool](repeating: false, count: ops.count * ops.count)))
        XCTAssertEqual(space.invalidReason(g)?.reason, reason, file: file, line: line)
        if reason != nil {
            XCTAssertThrowsError(try space.decode(g), file: file, line: line)
        }
    }

    func testNB201Rules() {
        let s = NB201Space()
        // out 0, inp 1, conv1x1 2, conv3x3 3, avg_pool 4, skip 5, none 6
        check(s, ops: [1, 2, 3, 4, 5, 6, 2, 0], expect: nil)
        check(s, ops: [1, 2, 3, 4, 5, 6, 0], expect: "node-count")
        check(s, ops: [1, 2, 3, 4, 5, 6, 2, 3, 0], expect: "node-count")
        check(s, ops: [1, 2, 3, 7, 5, 6, 2, 0], expect: "unknown-class")
        check(s, ops: [1, 2, 3, -1, 5, 6, 2, 0], expect: "unknown-class")
        check(s, ops: [2, 2, 3, 4, 5, 6, 2, 0], expect: "input-not-first")
        check(s, ops: [1, 2, 3, 4, 5, 6, 2, 1], expect: "output-not-last")
        check(s, ops: [1, 2, 3, 0, 5, 6, 2, 0], expect: "edge-node-not-an-op")
        check(s, ops: [1, 2, 3, 4, 1, 6, 2, 0], expect: "edge-node-not-an-op")
        var missing = Self.fixedAdjacency()
        missing[0 * 8 + 4] = false
        check(s, ops: [1, 2, 3, 4, 5, 6, 2, 0], adjacency: missing, expect: "adjacency-not-fixed")
        var extra = Self.fixedAdjacency()
        extra[0 * 8 + 7] = true
        check(s, ops: [1, 2, 3, 4, 5, 6, 2, 0], adjacency: extra, expect: "adjacency-not-fixed")
        var backwards = Self.fixedAdjacency()
        backwards[1 * 8 + 0] = true
        check(s, ops: [1, 2, 3, 4, 5, 6, 2, 0], adjacency: backwards, expect: "adjacency-not-fixed")
        // The DiNAS reference query reads only the ops, so the lenient space accepts it.
        check(NB201Space(requireFixedAdjacency: false), ops: [1, 2, 3, 4, 5, 6, 2, 0], adjacency: extra, expect: nil)
    }

    func testTransNASRules() {
        let s = TransNASMicroSpace()
        // out 0, inp 1, conv1x1 2, conv3x3 3, skip 4, none 5
        check(s, ops: [1, 2, 3, 4, 5, 2, 3, 0], expect: nil)
        check(s, ops: [1, 2, 3, 4, 5, 2, 0], expect: "node-count")
        check(s, ops: [1, 2, 3, 6, 5, 2, 3, 0], expect: "unknown-class")
        check(s, ops: [0, 2, 3, 4, 5, 2, 3, 0], expect: "input-not-first")
        check(s, ops: [1, 2, 3, 4, 5, 2, 3, 5], expect: "output-not-last")
        check(s, ops: [1, 2, 3, 4, 5, 2, 1, 0], expect: "edge-node-not-an-op")
        var missing = Self.fixedAdjacency()
        missing[6 * 8 + 7] = false
        check(s, ops: [1, 2, 3, 4, 5, 2, 3, 0], adjacency: missing, expect: "adjacency-not-fixed")
    }

    func testReasonDetailsSaySomethingUseful() throws {
        let g = ArchGraph(ops: [1, 2, 3, 4, 5, 6, 2, 1], adjacency: Self.fixedAdjacency())
        let reason = try XCTUnwrap(NB201Space().invalidReason(g))
        XCTAssertTrue(reason.detail.contains("node 7"), reason.detail)
        XCTAssertThrowsError(try NB201Space().decode(g)) { error in
            XCTAssertEqual(error as? SearchSpaceError, .invalid(space: "nb201", reason))
        }
    }
}
