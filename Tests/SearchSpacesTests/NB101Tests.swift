import XCTest
@testable import SearchSpaces

// Oracles used here, none of them the code's own output:
//   * hand-built cells and their hand-written standard strings;
//   * the published NAS-Bench-101 count, 423,624 unique cells (Ying et al. 2019);
//   * a brute-force canonical form (minimum over all relabellings of the interior vertices),
//     written in this file, for every cell of ≤ 5 vertices;
//   * per-size counts 1, 6, 84, 2,441, 62,010 for n = 2…6 from an independent Python brute-force
//     canonical-form count (all upper-triangular graphs, all labellings, all interior permutations);
//   * the benchmark's own numbers: isomorphic cells are the same network, so they must have the
//     same parameter count and FLOPs in the NASLib table.

final class NB101Tests: XCTestCase {
    let space = NB101Space()

    // MARK: standard string

    func testHandBuiltCellEncodesToTheExpectedGraph() throws {
        // input → conv3x3 → maxpool → output, plus input → output.
        let standard = "0101,0010,0001,0000|input,conv3x3-bn-relu,maxpool3x3,output"
        let g = try space.encode(standard)
        XCTAssertEqual(g.ops, [0, 3, 1, 4])
        XCTAssertEqual(g.adjacency, adjacency(4, [(0, 1), (0, 3), (1, 2), (2, 3)]))
        XCTAssertEqual(try space.decode(g), standard)
        XCTAssertNil(space.invalidReason(g))
    }

    func testEncodePrunesVerticesOffEveryInputOutputPath() throws {
        // 7 vertices: 0 → 1 → 6 is the only real path; 2 is a dead end (no out-edge), 3 is not
        // reachable from the input, 4 → 5 hangs off 3. Pruned: input → conv1x1 → output.
        let raw = "0110000,0000001,0000000,0000110,0000010,0000001,0000000"
            + "|input,conv1x1-bn-relu,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,output,output"
        // Node 5 is labelled 'output' but is pruned (3 → 4 → 5 → 6 never starts at the input),
        // and NAS-Bench-101 checks ops after pruning, so the spec is valid.
        let fixed = raw.replacingOccurrences(of: "conv3x3-bn-relu,output,output", with: "conv3x3-bn-relu,maxpool3x3,output")
        let g = try space.encode(fixed)
        XCTAssertEqual(g.ops, [0, 2, 4])
        XCTAssertEqual(g.adjacency, adjacency(3, [(0, 1), (1, 2)]))
        XCTAssertEqual(try space.decode(g), "010,001,000|input,conv1x1-bn-relu,output")
        XCTAssertNoThrow(try space.encode(raw), "ops of pruned-away vertices do not matter")
    }

    func testMalformedStringsNameTheProblem() {
        for bad in ["011,001,000", "011,001|input,conv3x3-bn-relu,output", "012,001,000|input,conv3x3-bn-relu,output",
                    "011,001,000|input,conv5x5,output", "0111,001,000|input,conv3x3-bn-relu,output"] {
            XCTAssertThrowsError(try space.encode(bad)) { error in
                guard case SearchSpaceError.unparsable = error else { return XCTFail("\(bad): \(error)") }
            }
        }
    }

    // MARK: round trip

    func testTenThousandRandomValidCellsRoundTrip() throws {
        var rng = SplitMix64(seed: 101)
        var seen = 0
        var sizes = Set<Int>()
        while seen < 10_000 {
            let cell = randomPrunedCell(&rng)
            guard edgeCount(cell) <= 9 else { continue }
            sizes.insert(cell.nodeCount)
            XCTAssertNil(space.invalidReason(cell), "\(NB101Space.format(cell))")
            let standard = try space.decode(cell)
            XCTAssertEqual(try space.encode(standard), cell, standard)
            XCTAssertEqual(try space.decode(space.encode(standard)), standard)
            seen += 1
        }
        XCTAssertEqual(sizes, Set(2...7))
    }

    // MARK: validity rules

    func testEachValidityRuleReportsItsOwnKey() {
        let cases: [(String, ArchGraph)] = [
            ("too-few-nodes", ArchGraph(ops: [0], adjacency: [false])),
            ("unknown-op-class", graph([0, 7, 4], [(0, 1), (1, 2)])),
            ("edge-not-forward", graph([0, 3, 4], [(0, 1), (1, 2), (2, 1)])),
            ("input-not-first", graph([3, 3, 4], [(0, 1), (1, 2)])),
            ("output-not-last", graph([0, 3, 3], [(0, 1), (1, 2)])),
            ("input-output-disconnected", graph([0, 3, 2, 4], [(0, 1), (2, 3)])),
            ("interior-op-not-allowed", graph([0, 4, 4], [(0, 1), (1, 2)])),
            ("too-many-nodes", graph([0, 3, 3, 3, 3, 3, 3, 4], (0..<7).map { ($0, $0 + 1) })),
            // 7 vertices all on paths, 6 chain edges + 4 skips = 10 > 9.
            ("too-many-edges", graph([0, 3, 3, 3, 3, 3, 4], (0..<6).map { ($0, $0 + 1) } + [(0, 2), (0, 3), (0, 4), (0, 5)])),
        ]
        for (key, g) in cases {
            XCTAssertEqual(space.invalidReason(g)?.reason, key, "expected \(key)")
            XCTAssertThrowsError(try space.decode(g))
        }
        // The limits themselves are allowed: 7 vertices and 9 edges.
        XCTAssertNil(space.invalidReason(graph([0, 3, 3, 3, 3, 3, 4], (0..<6).map { ($0, $0 + 1) } + [(0, 2), (0, 3), (0, 4)])))
    }

    // MARK: identity

    func testRelabelledInteriorVerticesGiveTheSameIdentity() {
        var rng = SplitMix64(seed: 7)
        var checked = 0
        for _ in 0..<1_000 {
            let cell = randomPrunedCell(&rng)
            let id = space.identity(cell)
            for perm in permutations(Array(1..<(cell.nodeCount - 1))) {
                let map = [0] + perm + [cell.nodeCount - 1]
                let relabelled = relabel(cell, map)
                // Only renumberings that keep every edge forward are NB101 cells (another
                // topological order of the same DAG).
                guard forwardOnly(relabelled), relabelled != cell else { continue }
                XCTAssertEqual(space.identity(relabelled), id, "\(NB101Space.format(cell)) vs \(NB101Space.format(relabelled))")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 200)
    }

    func testSameDegreesAndOpsButDifferentWiringGiveDifferentIdentities() {
        // Two parallel branches of two ops each, feeding the output. Same degree sequence and same
        // multiset of ops; A has branches (conv3x3 → conv1x1) and (conv1x1 → conv3x3), B has
        // (conv3x3 → conv3x3) and (conv1x1 → conv1x1): not isomorphic.
        let edges = [(0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 5)]
        let a = graph([0, 3, 2, 2, 3, 4], edges)
        let b = graph([0, 3, 2, 3, 2, 4], edges)
        XCTAssertNil(space.invalidReason(a))
        XCTAssertNil(space.invalidReason(b))
        XCTAssertNotEqual(space.identity(a), space.identity(b))
        // And swapping the two branches of A is the same cell.
        let aSwapped = graph([0, 2, 3, 3, 2, 4], edges)
        XCTAssertEqual(space.identity(a), space.identity(aSwapped))
    }

    func testHashPartitionEqualsCanonicalFormPartitionForSmallCells() {
        // Every valid cell of 2…5 vertices: the hash must merge exactly the cells that the brute-force
        // canonical form merges.
        var hashOfCanonical: [String: String] = [:]
        var canonicalOfHash: [String: String] = [:]
        var perSize: [Int: Set<String>] = [:]
        for n in 2...5 {
            for cell in allPrunedCells(n) {
                let canonical = canonicalForm(cell)
                let hash = space.identity(cell)
                XCTAssertEqual(hashOfCanonical[canonical, default: hash], hash, "one class, two hashes")
                XCTAssertEqual(canonicalOfHash[hash, default: canonical], canonical, "hash collision")
                hashOfCanonical[canonical] = hash
                canonicalOfHash[hash] = canonical
                perSize[n, default: []].insert(canonical)
            }
        }
        XCTAssertEqual((2...5).map { perSize[$0]!.count }, [1, 6, 84, 2_441])
        XCTAssertEqual(NB101Enumeration.countUnique(maxNodes: 5), 2_532)
    }

    func testCountUpToSixVerticesMatchesIndependentBruteForce() {
        XCTAssertEqual(NB101Enumeration.countUnique(maxNodes: 6), 1 + 6 + 84 + 2_441 + 62_010)
    }

    /// The whole space: about 1.3 s of CPU in a release build and 9 s in a debug build, so it is
    /// part of the default run. Alone, in release:
    /// `swift test -c release --filter NB101Tests.testWholeSpaceCountIsThePublished423624`;
    /// from code: `NB101Enumeration.countUnique(progress: { print($0) })`.
    func testWholeSpaceCountIsThePublished423624() {
        XCTAssertEqual(NB101Enumeration.countUnique(), 423_624)
    }

    // MARK: NASLib table

    func testNASLibTableLoadsEncodesAndRoundTrips() throws {
        let table = try NB101Table.loadNASLibSample(from: DataLocator.locate(filePath: #filePath))
        XCTAssertEqual(table.rowCount, 500)
        XCTAssertEqual(table.metrics.map(\.name), ["cifar10-valid", "params", "flops"])
        for (row, standard) in table.standards.enumerated() {
            let g = try space.encode(standard)
            XCTAssertNil(space.invalidReason(g))
            XCTAssertEqual(try space.decode(g), standard)
            // The NASLib key itself decodes to the same pruned cell.
            XCTAssertEqual(try space.decode(NB101Table.graph(naslibKey: table.keys[row])), standard)
        }
    }

    func testIsomorphicTableCellsHaveNearlyTheSameNetworkCost() throws {
        // Isomorphic cells are the same network up to one detail of NAS-Bench-101's model builder:
        // the output channels are split evenly among the vertices that feed the output and the
        // remainder goes to the lowest-numbered ones, so a renumbering can move single channels
        // (e.g. 43/43/42 of 128). Identical pruned strings give identical costs in the data; equal
        // identities must give costs within a few percent.
        let table = try NB101Table.loadNASLibSample(from: DataLocator.locate(filePath: #filePath))
        let params = try table.column("params"), flops = try table.column("flops")
        var firstRowOfIdentity: [String: Int] = [:]
        var sharedIdentities = 0
        for (row, standard) in table.standards.enumerated() {
            let id = space.identity(try space.encode(standard))
            if let first = firstRowOfIdentity[id] {
                let tolerance = table.standards[first] == standard ? 1e-12 : 0.03
                XCTAssertEqual(params[row], params[first], accuracy: tolerance * params[first], "\(standard) vs \(table.standards[first])")
                XCTAssertEqual(flops[row], flops[first], accuracy: tolerance * flops[first], "\(standard) vs \(table.standards[first])")
                sharedIdentities += 1
            } else {
                firstRowOfIdentity[id] = row
            }
        }
        XCTAssertGreaterThan(sharedIdentities, 100, "the sample repeats many small cells")
    }

    func testNASLibOpCodesMatchTheNetworks() throws {
        // A max-pool has no weights: input → maxpool → output costs what input → output costs; a
        // 3×3 conv has more weights than a 1×1 conv.
        let table = try NB101Table.loadNASLibSample(from: DataLocator.locate(filePath: #filePath))
        let params = try table.column("params")
        func cost(_ s: String) throws -> Double { params[try XCTUnwrap(table.row(ofStandard: s), s)] }
        let direct = try cost("01,00|input,output")
        XCTAssertEqual(try cost("010,001,000|input,maxpool3x3,output"), direct, accuracy: 1e-9)
        XCTAssertGreaterThan(try cost("010,001,000|input,conv3x3-bn-relu,output"),
                             try cost("010,001,000|input,conv1x1-bn-relu,output"))
        XCTAssertGreaterThan(try cost("010,001,000|input,conv1x1-bn-relu,output"), direct)
    }

    func testConvertedTableFormatLoads() throws {
        // What tools/convert_nb101.py writes (its header documents the format).
        let csv = """
            standard,module_hash,val_accuracy,test_accuracy,params_m,train_time_s
            "0110,0001,0001,0000|input,conv3x3-bn-relu,maxpool3x3,output",aaa,92.0,91.0,1.234567,1050.0
            "010,001,000|input,conv1x1-bn-relu,output",bbb,88.0,87.0,0.5,500.0

            """
        let path = try temporaryFile("nb101.csv", csv)
        let table = try NB101Table.loadConverted(path: path)
        XCTAssertEqual(table.rowCount, 2)
        XCTAssertEqual(table.keys, ["aaa", "bbb"])
        XCTAssertEqual(table.metrics.map(\.name), ["cifar10-valid", "cifar10-test", "params", "train-time"])
        XCTAssertEqual(try table.value("cifar10-test", row: 1), 87.0)
        XCTAssertEqual(table.row(ofStandard: "010,001,000|input,conv1x1-bn-relu,output"), 1)

        // An unpruned cell is not a standard string: the loader names the line and column.
        let unpruned = "standard,val_accuracy\n\"0110,0001,0000,0000|input,conv3x3-bn-relu,maxpool3x3,output\",90\n"
        XCTAssertThrowsError(try NB101Table.loadConverted(path: try temporaryFile("bad.csv", unpruned))) { error in
            XCTAssertEqual((error as? DataFileError)?.line, 2)
            XCTAssertEqual((error as? DataFileError)?.columnName, "standard")
        }
    }

    private func temporaryFile(_ name: String, _ text: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nb101-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    // MARK: helpers

    private func adjacency(_ n: Int, _ edges: [(Int, Int)]) -> [Bool] {
        var a = [Bool](repeating: false, count: n * n)
        for (i, j) in edges { a[i * n + j] = true }
        return a
    }

    private func graph(_ ops: [Int], _ edges: [(Int, Int)]) -> ArchGraph {
        ArchGraph(ops: ops, adjacency: adjacency(ops.count, edges))
    }

    private func edgeCount(_ g: ArchGraph) -> Int { g.adjacency.filter { $0 }.count }

    /// A random cell in which every vertex lies on an input → output path (checked here by degrees,
    /// independently of the pruning code): built at random, then kept only when that holds.
    private func randomPrunedCell(_ rng: inout SplitMix64) -> ArchGraph {
        while true {
            let n = Int.random(in: 2...7, using: &rng)
            let density = Double.random(in: 0.2...0.7, using: &rng)
            var edges: [(Int, Int)] = []
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) where Double.random(in: 0..<1, using: &rng) < density { edges.append((i, j)) } }
            let ops = [0] + (0..<max(0, n - 2)).map { _ in Int.random(in: 1...3, using: &rng) } + [4]
            let g = graph(ops, edges)
            if everyVertexOnAPath(g) { return g }
        }
    }

    private func forwardOnly(_ g: ArchGraph) -> Bool {
        let n = g.nodeCount
        return (0..<n).allSatisfy { i in (0...i).allSatisfy { !g.hasEdge(i, $0) } }
    }

    private func everyVertexOnAPath(_ g: ArchGraph) -> Bool {
        let n = g.nodeCount
        let hasIn = (1..<n).allSatisfy { j in (0..<j).contains { g.hasEdge($0, j) } }
        let hasOut = (0..<(n - 1)).allSatisfy { i in ((i + 1)..<n).contains { g.hasEdge(i, $0) } }
        return hasIn && hasOut
    }

    /// Vertex v of `g` becomes vertex map[v].
    private func relabel(_ g: ArchGraph, _ map: [Int]) -> ArchGraph {
        let n = g.nodeCount
        var ops = [Int](repeating: 0, count: n)
        var a = [Bool](repeating: false, count: n * n)
        for v in 0..<n { ops[map[v]] = g.ops[v] }
        for i in 0..<n { for j in 0..<n where g.hasEdge(i, j) { a[map[i] * n + map[j]] = true } }
        return ArchGraph(ops: ops, adjacency: a)
    }

    private func permutations(_ items: [Int]) -> [[Int]] {
        guard let first = items.first else { return [[]] }
        return permutations(Array(items.dropFirst())).flatMap { rest in
            (0...rest.count).map { k in var p = rest; p.insert(first, at: k); return p }
        }
    }

    /// Every cell of n vertices with ≤ 9 edges, all vertices on a path, all interior labellings.
    private func allPrunedCells(_ n: Int) -> [ArchGraph] {
        var pairs: [(Int, Int)] = []
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { pairs.append((i, j)) } }
        var cells: [ArchGraph] = []
        for code in 0..<(1 << pairs.count) where code.nonzeroBitCount <= 9 {
            let edges = pairs.indices.filter { code & (1 << $0) != 0 }.map { pairs[$0] }
            let shape = graph([Int](repeating: 0, count: n), edges)
            guard everyVertexOnAPath(shape) else { continue }
            var labelling = [Int](repeating: 1, count: n - 2)
            while true {
                cells.append(ArchGraph(ops: [0] + labelling + [4], adjacency: shape.adjacency))
                guard let k = labelling.firstIndex(where: { $0 < 3 }) else { break }
                labelling[k] += 1
                for m in 0..<k { labelling[m] = 1 }
            }
        }
        return cells
    }

    /// The smallest (edge list, labels) over all relabellings of the interior vertices.
    private func canonicalForm(_ g: ArchGraph) -> String {
        let n = g.nodeCount
        var best: String?
        for perm in permutations(Array(1..<(n - 1))) {
            let h = relabel(g, [0] + perm + [n - 1])
            var edges: [String] = []
            for i in 0..<n { for j in 0..<n where h.hasEdge(i, j) { edges.append("\(i)>\(j)") } }
            let form = edges.joined(separator: " ") + "|" + h.ops.map(String.init).joined()
            if best == nil || form < best! { best = form }
        }
        return best!
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
