import XCTest
@testable import Compute

// The fused edge attention (Kernels/edge_attention.cl, run on PoCL with the float32 GEMM tile) against
// the Swift twin's unfused ops: the e_mul/e_add linears, the attention with the y FiLM of the edge
// update, then the y FiLM of the node output.
final class EdgeAttentionTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.edgeAttention) }

    struct Case {
        let graphs: Int, n: Int, dim: Int, edgeDim: Int, heads: Int, realNodes: [Int]
    }

    /// [fe, filmedV, e1, e2] after the call; e1 and e2 start as NaN so that a store shows.
    func run(_ c: Case, on d: Device, fused: Bool?, seed: UInt64) throws -> [[Float]] {
        var rng = SeededRandom(seed)
        let nodes = c.graphs * c.n, pairs = nodes * c.n
        func buffer(_ count: Int) throws -> View { try d.makeBuffer(randomArray(count, &rng)).all }
        let e = try buffer(pairs * c.edgeDim), q = try buffer(nodes * c.dim), k = try buffer(nodes * c.dim), v = try buffer(nodes * c.dim)
        let wMul = try buffer(c.dim * c.edgeDim), bMul = try buffer(c.dim), wAdd = try buffer(c.dim * c.edgeDim), bAdd = try buffer(c.dim)
        let fMul = try buffer(c.graphs * c.dim), fAdd = try buffer(c.graphs * c.dim)
        let xMul = try buffer(c.graphs * c.dim), xAdd = try buffer(c.graphs * c.dim)
        let mask = try d.makeBuffer((0..<nodes).map { Float($0 % c.n < c.realNodes[$0 / c.n] ? 1 : 0) }).all
        let fe = try d.makeBuffer(count: pairs * c.dim), fx = try d.makeBuffer(count: nodes * c.dim)
        let e1 = try d.makeBuffer([Float](repeating: .nan, count: pairs * c.dim))
        let e2 = try d.makeBuffer([Float](repeating: .nan, count: pairs * c.dim))
        try d.edgeAttentionForward(fe: fe.all, filmedV: fx.all, e: e, eMul: (wMul, bMul), eAdd: (wAdd, bAdd), e1: e1.all, e2: e2.all,
                                   q: q, k: k, v: v, nodeMask: mask, graphs: c.graphs, n: c.n, dim: c.dim, edgeDim: c.edgeDim,
                                   heads: c.heads, edgeFilm: (fMul, fAdd), nodeFilm: (xMul, xAdd), packedWeights: nil, fused: fused)
        return try [fe, fx, e1, e2].map { try d.download($0.all) }
    }

    static let cases = [
        Case(graphs: 3, n: 8, dim: 64, edgeDim: 16, heads: 4, realNodes: [8, 5, 1]),   // NB201's n; a graph of one node
        Case(graphs: 5, n: 4, dim: 48, edgeDim: 5, heads: 3, realNodes: [4, 3, 4, 2, 4]), // part of a channel block; odd K
        Case(graphs: 2, n: 16, dim: 32, edgeDim: 40, heads: 2, realNodes: [16, 9]),      // 4 query rows per tile; K > 32
        Case(graphs: 7, n: 2, dim: 8, edgeDim: 3, heads: 1, realNodes: [2, 1, 2, 2, 0, 2, 1]), // a graph with no real node
        Case(graphs: 3, n: 32, dim: 40, edgeDim: 6, heads: 2, realNodes: [32, 17, 30]),  // 2 query rows per tile, 32 keys
        Case(graphs: 70, n: 1, dim: 33, edgeDim: 4, heads: 1, realNodes: (0..<70).map { $0 % 5 == 0 ? 0 : 1 }), // 64 keys; a partial tile
    ]

    /// The fused kernel on `d` against the twin's unfused ops, over every case.
    func checkFusedKernel(on d: Device, label: String, seed: UInt64) throws {
        for (i, c) in Self.cases.enumerated() {
            let want = try run(c, on: TestDevices.swift, fused: nil, seed: seed + UInt64(i))
            let got = try run(c, on: d, fused: true, seed: seed + UInt64(i))
            for (part, name) in ["fe", "filmedV"].enumerated() {
                let err = maxAbsDiff(got[part], want[part])
                XCTAssertLessThanOrEqual(err, 2e-5, "\(label), \(name), \(c): max abs err \(err)")
            }
            XCTAssertTrue(got[2].allSatisfy(\.isNaN) && got[3].allSatisfy(\.isNaN), "\(label): the fused kernel stores no e1/e2, \(c)")
            XCTAssertFalse(want[2].contains(where: \.isNaN), "the unfused path fills e1, \(c)")
        }
    }

    func testFusedKernelMatchesTheUnfusedSwiftTwin() throws {
        try checkFusedKernel(on: try requireOpenCL(), label: "float32 GEMM tile", seed: 70)
    }

    /// The tensor-core form of the fused kernel (edge_attention_tc_64), products emulated.
    func testEmulatedTensorCoreKernelMatchesTheSwiftTwin() throws {
        try checkFusedKernel(on: try tensorCoreEmulator(), label: "tensor cores emulated", seed: 90)
    }

    func testUnfusedOpenCLPathMatchesToo() throws {
        let cl = try requireOpenCL(), c = Self.cases[0]
        let want = try run(c, on: TestDevices.swift, fused: nil, seed: 9), got = try run(c, on: cl, fused: false, seed: 9)
        XCTAssertLessThanOrEqual(maxAbsDiff(got[0], want[0]), 2e-5)
        XCTAssertLessThanOrEqual(maxAbsDiff(got[1], want[1]), 2e-5)
    }

    func testFusedKernelRejectsNodeCountsThatSplitATile() throws {
        let cl = try requireOpenCL()
        XCTAssertThrowsError(try run(Case(graphs: 2, n: 7, dim: 8, edgeDim: 2, heads: 1, realNodes: [7, 7]), on: cl, fused: true, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("n dividing 64"), "\(e)")
        }
    }
}
