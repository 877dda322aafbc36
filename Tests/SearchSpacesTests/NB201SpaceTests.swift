import XCTest
import SearchSpaces

final class NB201SpaceTests: XCTestCase {
    let space = NB201Space()

    /// The fixed op-on-node adjacency of dinas-spec §1.2, written out edge by edge.
    static let specEdges: Set<[Int]> = [[0, 1], [0, 2], [0, 4], [1, 3], [1, 5], [2, 6], [3, 6], [4, 7], [5, 7], [6, 7]]

    func testEverySpaceCellIsDistinctAndRoundTrips() throws {
        let all = space.allStandards()
        XCTAssertEqual(all.count, 15_625)
        XCTAssertEqual(Set(all).count, 15_625)
        for standard in all {
            let graph = try space.encode(standard)
            XCTAssertNil(space.invalidReason(graph), standard)
            XCTAssertEqual(try space.decode(graph), standard)
            XCTAssertEqual(try space.encode(space.decode(graph)), graph)
        }
    }

    func testGraphLayoutFollowsTheSpec() throws {
        let standard = "|nor_conv_1x1~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|"
        let g = try space.encode(standard)
        XCTAssertEqual(g.nodeCount, 8)
        // DiNAS classes: out 0, inp 1, nor_conv_1x1 2, nor_conv_3x3 3, avg_pool_3x3 4, skip_connect 5, none 6.
        XCTAssertEqual(g.ops, [1, 2, 3, 4, 5, 6, 2, 0])
        var edges: Set<[Int]> = []
        for i in 0..<8 { for j in 0..<8 where g.hasEdge(i, j) { edges.insert([i, j]) } }
        XCTAssertEqual(edges, Self.specEdges)
    }

    /// The published NB201 count: 15,625 cells, 6,466 unique.
    func testIdentityGivesThePublishedUniqueCount() throws {
        let keys = try Set(space.allStandards().map { space.identity(try space.encode($0)) })
        XCTAssertEqual(keys.count, 6_466)
    }

    func testSumsCommute() throws {
        // Both compute conv1x1(x) + conv3x3(x) at the output (node 2 is dead in both).
        let a = "|nor_conv_1x1~0|+|none~0|none~1|+|nor_conv_3x3~0|skip_connect~1|none~2|"
        let b = "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|skip_connect~1|none~2|"
        XCTAssertEqual(space.identity(try space.encode(a)), space.identity(try space.encode(b)))
    }

    func testSkipIsTheIdentity() throws {
        // conv3x3 of the input reached through a skip, against conv3x3 of the input directly.
        let viaSkip = "|skip_connect~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|"
        let direct = "|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"
        XCTAssertEqual(space.identity(try space.encode(viaSkip)), space.identity(try space.encode(direct)))
    }

    func testOrderOfOpsInAChainMatters() throws {
        let c1ThenC3 = "|nor_conv_1x1~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|"
        let c3ThenC1 = "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|nor_conv_1x1~1|none~2|"
        XCTAssertNotEqual(space.identity(try space.encode(c1ThenC3)), space.identity(try space.encode(c3ThenC1)))
    }

    /// Independent oracle: the output depends on the input exactly when some input → output path
    /// has no "none" edge; the identity must say so (it names the input "0" iff it does).
    func testIdentitySeesWhetherTheOutputIsConnected() throws {
        var dead = 0
        for standard in space.allStandards() {
            let g = try space.encode(standard)
            let ops = Array(g.ops[1...6])  // edges 1←0, 2←0, 2←1, 3←0, 3←1, 3←2
            let none = 6
            let n1 = ops[0] != none
            let n2 = ops[1] != none || (n1 && ops[2] != none)
            let n3 = ops[3] != none || (n1 && ops[4] != none) || (n2 && ops[5] != none)
            if !n3 { dead += 1 }
            XCTAssertEqual(space.identity(g).contains("0"), n3, standard)
        }
        // By hand, inclusion–exclusion over the paths 0→3, 0→1→3, 0→2→3, 0→1→2→3 (1, 2, 2, 3 edges;
        // an edge is live with 4 of 5 ops): live = (12500 + 10000 + 10000 + 8000)
        // − (8000 + 8000 + 4·6400) + 4·5120 − 4096 = 15,284, so 15,625 − 15,284 = 341 dead.
        XCTAssertEqual(dead, 341)
    }

    func testIdentityIsStableUnderReEncoding() throws {
        for standard in space.allStandards().prefix(2_000) {
            let g = try space.encode(standard)
            XCTAssertEqual(space.identity(g), space.identity(try space.encode(space.decode(g))))
        }
    }

    func testUnreadableStringsNameTheProblem() {
        let cases = [
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|",                               // 2 groups
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|none~2|",        // node 2 has 1 edge
            "|nor_conv_3x3~1|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|", // wrong source
            "|conv_5x5~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",     // unknown op
            "|out~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",          // a class, not an op
        ]
        for text in cases {
            XCTAssertThrowsError(try space.encode(text), text) { error in
                guard case .unparsable(let s, let input, let why)? = error as? SearchSpaceError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(s, "nb201")
                XCTAssertEqual(input, text)
                XCTAssertFalse(why.isEmpty)
            }
        }
    }

    /// The CSV's ops_nb201_order column is an independent encoding of each row's cell
    /// (PROVENANCE: none 0, skip 1, conv1x1 2, conv3x3 3, avg_pool 4, in string edge order).
    func testTableStringsAgreeWithTheDigitColumn() throws {
        let text = try String(contentsOfFile: TestData.locator.path(NB201Table.accuracyFile), encoding: .utf8)
        let code = ["none": "0", "skip_connect": "1", "nor_conv_1x1": "2", "nor_conv_3x3": "3", "avg_pool_3x3": "4"]
        var rows = 0
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",", maxSplits: 3)
            let graph = try space.encode(String(fields[1]))
            let digits = graph.ops[1...6].map { code[space.nodeClasses[$0]]! }.joined()
            XCTAssertEqual(digits, String(fields[2]), String(fields[0]))
            rows += 1
        }
        XCTAssertEqual(rows, 15_625)
    }

    /// The CSV's naslib_tuple column (NASLib's key, PROVENANCE) is an independent encoding of every row.
    func testNASLibEncodingAgreesWithTheTupleColumn() throws {
        let text = try String(contentsOfFile: TestData.locator.path(NB201Table.accuracyFile), encoding: .utf8)
        var rows = 0
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: "\"")   // the tuple is the only quoted field
            let arch = String(fields[0].split(separator: ",")[1])
            XCTAssertEqual(space.naslibEncoding(arch), String(fields[1]), arch)
            rows += 1
        }
        XCTAssertEqual(rows, 15_625)
        XCTAssertNil(space.naslibEncoding("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|"))
    }

    func testBenchmarkIndexComesFromTheTable() throws {
        let best = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
        XCTAssertEqual(space.benchmarkIndex(of: try space.encode(best), in: TestData.nb201), 6111)
        let first = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
        XCTAssertEqual(space.benchmarkIndex(of: try space.encode(first), in: TestData.nb201), 0)
    }
}
