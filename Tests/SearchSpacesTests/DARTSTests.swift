import XCTest
@testable import SearchSpaces

// Oracles: hand-built genotypes and their hand-derived graphs; the DARTS rules as stated in
// Liu et al. 2019 (two inputs per intermediate node, from two different earlier nodes); and the
// NASLib table's own parameter counts, which pin down NASLib's op codes (see DARTSOp).

final class DARTSTests: XCTestCase {
    let space = DARTSSpace()

    /// DARTS (2nd order) from the DARTS paper's genotypes.py, in the form Python prints it.
    let dartsV2 = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"

    // MARK: encoding

    func testHandBuiltGenotypeEncodesToTheExpectedGraph() throws {
        let g = try space.encode(dartsV2)
        XCTAssertEqual(g.nodeCount, 22)
        // Classes: inputs 0, 1; ops 2 + NASLib code (max 2, skip 4, sep3 5, dil3 7); output 9.
        XCTAssertEqual(g.ops, [0, 1, 5, 5, 5, 5, 5, 4, 4, 7, 9,
                               0, 1, 2, 2, 4, 2, 2, 4, 4, 2, 9])
        var expected = Set<[Int]>()
        // Normal: sources 0,1 | 0,1 | 1,0 | 0,2 → op nodes 2…9; node 2's op nodes are 2 and 3.
        for (p, s) in [(2, 0), (3, 1), (4, 0), (5, 1), (6, 1), (7, 0), (8, 0)] { expected.insert([s, p]) }
        expected.insert([2, 9]); expected.insert([3, 9])
        // Reduce (offset 11): sources 0,1 | 2,1 | 0,2 | 2,1.
        for (p, s) in [(13, 11), (14, 12), (16, 12), (17, 11), (20, 12)] { expected.insert([s, p]) }
        for p in [15, 18, 19] { expected.insert([13, p]); expected.insert([14, p]) }
        for p in 2...9 { expected.insert([p, 10]) }
        for p in 13...20 { expected.insert([p, 21]) }
        var actual = Set<[Int]>()
        for i in 0..<22 { for j in 0..<22 where g.hasEdge(i, j) { actual.insert([i, j]) } }
        XCTAssertEqual(actual, expected)
        XCTAssertEqual(actual.count, 17 + 19)
        XCTAssertEqual(try space.decode(g), dartsV2)
    }

    func testCompactAndGenotypeFormsAgree() throws {
        let compact = "[[(0, 3), (1, 3), (0, 3), (1, 3), (1, 3), (0, 2), (0, 2), (2, 5)], [(0, 0), (1, 0), (2, 2), (1, 0), (0, 0), (2, 2), (2, 2), (1, 0)]]"
        XCTAssertEqual(try DARTSGenotype.parse(compact), try DARTSGenotype.parse(dartsV2))
        XCTAssertEqual(try DARTSGenotype.parse(dartsV2).compact, compact)
        // Python's other spellings: double quotes, range(2, 6), tuples, other spacing, positional.
        let variant = "Genotype( [(\"sep_conv_3x3\",0),(\"sep_conv_3x3\",1),('sep_conv_3x3',0),('sep_conv_3x3',1),('sep_conv_3x3',1),('skip_connect',0),('skip_connect',0),('dil_conv_3x3',2)], range(2, 6),\n reduce=(('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1),), reduce_concat=[2,3,4,5])"
        XCTAssertEqual(try space.encode(variant), try space.encode(dartsV2))
    }

    func testMalformedStringsNameTheProblem() {
        let bad = [
            "",
            "Genotype(normal=[('sep_conv_7x7', 0)], normal_concat=[2, 3, 4, 5], reduce=[], reduce_concat=[2, 3, 4, 5])",
            dartsV2.replacingOccurrences(of: "normal_concat=[2, 3, 4, 5]", with: "normal_concat=[4, 5]"),
            dartsV2.replacingOccurrences(of: ", reduce_concat=[2, 3, 4, 5]", with: ""),
            "[[(0, 7), (1, 3)], []]",
            "Genotype(normal=[('sep_conv_3x3', 0)",
        ]
        for text in bad {
            XCTAssertThrowsError(try space.encode(text)) { error in
                guard case SearchSpaceError.unparsable = error else { return XCTFail("\(text): \(error)") }
            }
        }
    }

    // MARK: round trip and identity

    func testTenThousandRandomGenotypesRoundTrip() throws {
        var rng = SplitMix64(seed: 301)
        for _ in 0..<10_000 {
            let genotype = randomGenotype(&rng)
            let text = genotype.description
            // encode(text) is g, so decode(g) == text also gives encode(decode(g)) == g.
            let g = try space.encode(text)
            XCTAssertEqual(try space.decode(g), text)
            XCTAssertEqual(try DARTSGenotype.parse(genotype.compact), genotype)
            XCTAssertTrue(isTopological(g))
        }
    }

    func testIdentityIgnoresTheOrderOfANodesTwoInputs() throws {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<1_000 {
            let genotype = randomGenotype(&rng)
            var swapped = genotype
            let cell = Int.random(in: 0...1, using: &rng), node = Int.random(in: 0..<4, using: &rng)
            if cell == 0 { swapped.normal.swapAt(2 * node, 2 * node + 1) } else { swapped.reduce.swapAt(2 * node, 2 * node + 1) }
            let a = try space.encode(genotype.description), b = try space.encode(swapped.description)
            XCTAssertNotEqual(a, b, "the graph keeps the written order")
            XCTAssertEqual(space.identity(a), space.identity(b))
        }
        // Different genotypes differ: DARTS V2 with one op changed.
        let changed = dartsV2.replacingOccurrences(of: "('dil_conv_3x3', 2)", with: "('dil_conv_5x5', 2)")
        XCTAssertNotEqual(space.identity(try space.encode(dartsV2)), space.identity(try space.encode(changed)))
        // The identity is the sorted genotype, written by hand here: node 4 of the normal cell
        // lists ('sep_conv_3x3', 1), ('skip_connect', 0); nodes 3 and 5 of the reduction cell list
        // ('skip_connect', 2), ('max_pool_3x3', 1).
        let sorted = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), ('skip_connect', 2), ('max_pool_3x3', 1), ('skip_connect', 2)], reduce_concat=[2, 3, 4, 5])"
        XCTAssertEqual(space.identity(try space.encode(dartsV2)), sorted)
    }

    func testSizeCountsEachNodesUnorderedInputPairs() {
        // Brute force per intermediate node: all ordered pairs of (source, op) with different
        // sources, with the two orders merged.
        var perCell = 1
        for node in 2...5 {
            var pairs = Set<[Int]>()
            for s1 in 0..<node { for s2 in 0..<node where s1 != s2 { for o1 in 0..<7 { for o2 in 0..<7 {
                pairs.insert((s1, o1) < (s2, o2) ? [s1, o1, s2, o2] : [s2, o2, s1, o1])
            } } } }
            perCell *= pairs.count
        }
        XCTAssertEqual(perCell, 1_037_664_180)
        XCTAssertEqual(space.size, 1_076_746_950_455_072_400)  // 1,037,664,180², about 1.08e18
    }

    // MARK: validity rules

    func testEachGraphRuleReportsItsOwnKey() throws {
        let valid = try space.encode(dartsV2)
        XCTAssertNil(space.invalidReason(valid))
        func edited(_ change: (inout [Int], inout [Bool]) -> Void) -> ArchGraph {
            var ops = valid.ops, adjacency = valid.adjacency
            change(&ops, &adjacency)
            return ArchGraph(ops: ops, adjacency: adjacency)
        }
        func set(_ a: inout [Bool], _ i: Int, _ j: Int, _ v: Bool = true) { a[i * 22 + j] = v }
        let cases: [(String, ArchGraph)] = [
            ("wrong-node-count", ArchGraph(ops: Array(valid.ops[0..<11]), adjacency: [Bool](repeating: false, count: 121))),
            ("unknown-op-class", edited { ops, _ in ops[4] = 10 }),
            ("input-slot-not-input", edited { ops, _ in ops[0] = 1 }),
            ("op-slot-not-op", edited { ops, _ in ops[5] = 9 }),
            ("output-slot-not-output", edited { ops, _ in ops[21] = 3 }),
            ("self-loop", edited { _, a in set(&a, 6, 6) }),
            ("edge-from-later-node", edited { _, a in set(&a, 9, 4) }),
            ("edge-between-cells", edited { _, a in set(&a, 10, 11) }),
            ("edge-into-input", edited { _, a in set(&a, 0, 1) }),
            ("input-to-output-edge", edited { _, a in set(&a, 1, 10) }),
            ("edge-within-intermediate-node", edited { _, a in set(&a, 4, 5) }),
            ("op-node-not-to-output", edited { _, a in set(&a, 7, 10, false) }),
            // Normal op node 9 reads node 2 through op nodes 2 and 3; drop one of the two edges.
            ("partial-source", edited { _, a in set(&a, 3, 9, false) }),
            ("intermediate-node-missing-input", edited { _, a in set(&a, 0, 2, false) }),
            ("op-node-several-sources", edited { _, a in set(&a, 1, 2) }),
            // Normal node 3 (op nodes 4, 5) reads nodes 0 and 1; make op node 5 read node 0 too.
            ("repeated-input", edited { _, a in set(&a, 1, 5, false); set(&a, 0, 5) }),
        ]
        for (key, g) in cases {
            XCTAssertEqual(space.invalidReason(g)?.reason, key, "expected \(key)")
            XCTAssertThrowsError(try space.decode(g))
        }
    }

    func testEachGenotypeRuleReportsItsOwnKey() {
        let cases: [(String, String)] = [
            // Node 2 may read only nodes 0 and 1.
            ("edge-from-later-node", dartsV2.replacingOccurrences(of: "[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", with: "[('sep_conv_3x3', 0), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0)")),
            ("repeated-input", dartsV2.replacingOccurrences(of: "[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", with: "[('sep_conv_3x3', 0), ('sep_conv_3x3', 0), ('sep_conv_3x3', 0)")),
            ("intermediate-node-input-count", dartsV2.replacingOccurrences(of: ", ('dil_conv_3x3', 2)]", with: "]")),
            ("unknown-source", dartsV2.replacingOccurrences(of: "('dil_conv_3x3', 2)", with: "('dil_conv_3x3', -1)")),
        ]
        for (key, text) in cases {
            XCTAssertNotEqual(text, dartsV2)
            XCTAssertThrowsError(try space.encode(text), key) { error in
                guard case let SearchSpaceError.invalid(_, reason) = error else { return XCTFail("\(key): \(error)") }
                XCTAssertEqual(reason.reason, key)
            }
        }
    }

    // MARK: NASLib table

    func testNASLibTableLoadsEncodesAndRoundTrips() throws {
        let table = try DARTSTable.loadNASLibSample(from: DataLocator.locate(filePath: #filePath))
        XCTAssertEqual(table.rowCount, 725)
        XCTAssertEqual(table.metrics.map(\.name), ["cifar10-valid", "params", "flops"])
        XCTAssertEqual(Set(table.keys).count, 725)
        XCTAssertEqual(Set(table.standards).count, 725, "no two NASLib genotypes are the same architecture")
        for (row, standard) in table.standards.enumerated() {
            let g = try space.encode(standard)
            XCTAssertNil(space.invalidReason(g))
            XCTAssertEqual(try space.decode(g), standard)
            XCTAssertEqual(space.identity(g), standard, "table rows hold the canonical genotype")
            // The NASLib key reads back to exactly its own text, and to the same architecture.
            let genotype = try DARTSGenotype.parse(table.keys[row])
            XCTAssertEqual(genotype.compact, table.keys[row])
            XCTAssertEqual(space.identity(try space.encode(table.keys[row])), standard)
            XCTAssertEqual(try space.decode(space.encode(table.keys[row])), genotype.description)
        }
    }

    /// NASLib's compact op codes, re-derived from the table: parameters are an exact linear
    /// function of the op counts. Features: op counts in the normal cell, in the reduction cell on
    /// edges from a cell input (stride 2) and from an intermediate node (stride 1).
    func testCompactOpCodesMatchParameterCounts() throws {
        let table = try DARTSTable.loadNASLibSample(from: DataLocator.locate(filePath: #filePath))
        let params = try table.column("params")
        var rows: [[Double]] = []
        for key in table.keys {
            let genotype = try DARTSGenotype.parse(key)
            var counts = [Double](repeating: 0, count: 21)
            for input in genotype.normal { counts[input.op.rawValue] += 1 }
            for input in genotype.reduce { counts[(input.source < 2 ? 7 : 14) + input.op.rawValue] += 1 }
            // Each cell has 8 inputs, so one count per cell is implied: drop normal op 0 and
            // reduce-from-intermediate op 0 (they become the baselines) and add a constant.
            rows.append([1] + counts.enumerated().filter { $0.offset != 0 && $0.offset != 14 }.map(\.element))
        }
        let w = try XCTUnwrap(leastSquares(rows, params))
        let residual = zip(rows, params).map { row, y in abs(zip(row, w).map(*).reduce(0, +) - y) }.max()!
        XCTAssertLessThan(residual, 1e-6, "params are linear in the op counts")
        // Normal cell, weights relative to code 0: codes 1 and 2 cost nothing more (pool, identity);
        // 4 > 3 > 6 > 5 > 0 (sep 5×5 > sep 3×3 > dil 5×5 > dil 3×3).
        let normal = [0] + Array(w[1...6])
        XCTAssertEqual(normal[1], 0, accuracy: 1e-6)
        XCTAssertEqual(normal[2], 0, accuracy: 1e-6)
        XCTAssertGreaterThan(normal[4], normal[3])
        XCTAssertGreaterThan(normal[3], normal[6])
        XCTAssertGreaterThan(normal[6], normal[5])
        XCTAssertGreaterThan(normal[5], 0.01)
        // Reduction cell: only code 2 (skip_connect) costs weights when it reads a stride-2 cell input
        // (a FactorizedReduce); from an intermediate node it is an identity like the pools.
        let fromInput = Array(w[7...13])
        let fromNode = [0] + Array(w[14...19])
        XCTAssertEqual(fromInput[1], fromInput[0], accuracy: 1e-6)
        XCTAssertGreaterThan(fromInput[2] - fromInput[0], 0.01)
        XCTAssertEqual(fromNode[1], 0, accuracy: 1e-6)
        XCTAssertEqual(fromNode[2], 0, accuracy: 1e-6)
    }

    // MARK: helpers

    private func randomGenotype(_ rng: inout SplitMix64) -> DARTSGenotype {
        func cell() -> [DARTSGenotype.Input] {
            (2...5).flatMap { node -> [DARTSGenotype.Input] in
                let first = Int.random(in: 0..<node, using: &rng)
                var second = Int.random(in: 0..<(node - 1), using: &rng)
                if second >= first { second += 1 }
                return [first, second].map { DARTSGenotype.Input(DARTSOp.allCases.randomElement(using: &rng)!, $0) }
            }
        }
        return DARTSGenotype(normal: cell(), reduce: cell())
    }

    private func isTopological(_ g: ArchGraph) -> Bool {
        (0..<g.nodeCount).allSatisfy { i in (0...i).allSatisfy { !g.hasEdge(i, $0) } }
    }

    /// Least squares through the normal equations, Gaussian elimination with partial pivoting.
    private func leastSquares(_ x: [[Double]], _ y: [Double]) -> [Double]? {
        let k = x[0].count
        var a = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k)
        for (row, target) in zip(x, y) {
            for i in 0..<k {
                for j in 0..<k { a[i][j] += row[i] * row[j] }
                a[i][k] += row[i] * target
            }
        }
        for col in 0..<k {
            guard let pivot = (col..<k).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }), abs(a[pivot][col]) > 1e-9 else { return nil }
            a.swapAt(col, pivot)
            for r in 0..<k where r != col {
                let f = a[r][col] / a[col][col]
                for c in col...k { a[r][c] -= f * a[col][c] }
            }
        }
        return (0..<k).map { a[$0][k] / a[$0][$0] }
    }
}

/// SplitMix64 (Steele et al. 2014): a small seeded generator, so the random tests repeat exactly.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
