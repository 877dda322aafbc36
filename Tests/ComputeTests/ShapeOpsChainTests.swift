import XCTest
@testable import Compute
import TestSupport

/// The edge path in miniature (dinas-spec §3.2–3.4): symmetrise → pair mask → concat the class
/// vector and add a positional table → LayerNorm → FiLM by the graph vector → pool, then the backward
/// ops chained in reverse. Checks that the ops compose: every gradient against finite differences.
final class ShapeOpsChainTests: XCTestCase {
    private let graphs = 2, n = 3, dimA = 3, dimB = 2
    private var pairs: Int { graphs * n * n }
    private var width: Int { dimA + dimB }
    private let nodeMask: [Float] = [1, 1, 0, 1, 1, 1]

    private struct Inputs {
        var x: [Float], b: [Float], gamma: [Float], beta: [Float], mul: [Float], add: [Float], table: [Float], w: [Float]
    }

    private func makeInputs() -> Inputs {
        var rng = SeededRandom(80)
        return Inputs(x: randomArray(pairs * dimA, &rng, in: -2...2), b: randomArray(graphs * dimB, &rng, in: -2...2),
                      gamma: randomArray(width, &rng, in: 0.5...1.5), beta: randomArray(width, &rng),
                      mul: randomArray(graphs * width, &rng), add: randomArray(graphs * width, &rng),
                      // The table separates positions whose features are equal (masked pairs), so
                      // pooling's min/max have no ties and are differentiable.
                      table: randomArray(n * n * width, &rng, in: -3...3), w: randomArray(graphs * 4 * width, &rng))
    }

    /// Runs the forward (and, with `backward`, the backward) on `d`; returns the loss Σ w·pooled
    /// and the gradients by name.
    private func run(_ d: Device, _ v: Inputs, backward: Bool) throws -> (loss: Double, grads: [String: [Float]]) {
        let mask = try d.makeBuffer(nodeMask)
        let x = try d.makeBuffer(v.x), b = try d.makeBuffer(v.b), gamma = try d.makeBuffer(v.gamma), beta = try d.makeBuffer(v.beta)
        let mul = try d.makeBuffer(v.mul), add = try d.makeBuffer(v.add), table = try d.makeBuffer(v.table)
        let sym = try d.makeBuffer(count: pairs * dimA), cat = try d.makeBuffer(count: pairs * width)
        let normed = try d.makeBuffer(count: pairs * width), mean = try d.makeBuffer(count: pairs), rstd = try d.makeBuffer(count: pairs)
        let film = try d.makeBuffer(count: pairs * width), pooled = try d.makeBuffer(count: graphs * 4 * width)
        let positions = n * n

        try d.symmetrizePairs(out: sym.all, inp: x.all, graphs: graphs, n: n, dim: dimA)
        try d.applyPairMask(sym.all, nodeMask: mask.all, graphs: graphs, n: n, dim: dimA, zeroDiagonal: true)
        try d.concatBroadcastForward(out: cat.all, a: sym.all, b: b.all, graphs: graphs, positions: positions, dimA: dimA, dimB: dimB,
                                     positional: (table.all, positions))
        try d.layerNormForward(out: normed.all, mean: mean.all, rstd: rstd.all, inp: cat.all, gamma: gamma.all, beta: beta.all,
                               rows: pairs, dim: width)
        try d.filmForward(out: film.all, inp: normed.all, mul: mul.all, add: add.all, graphs: graphs, positions: positions, dim: width)
        try d.poolForward(out: pooled.all, inp: film.all, graphs: graphs, positions: positions, dim: width)
        let loss = dot(try d.download(pooled.all), v.w)
        guard backward else { return (loss, [:]) }

        let dPooled = try d.makeBuffer(v.w), dFilm = try d.makeBuffer(count: pairs * width)
        let dNormed = try d.makeBuffer(count: pairs * width), dCat = try d.makeBuffer(count: pairs * width)
        let dSym = try d.makeBuffer(count: pairs * dimA), dx = try d.makeBuffer(count: pairs * dimA)
        let db = try d.makeBuffer(count: graphs * dimB), dgamma = try d.makeBuffer(count: width), dbeta = try d.makeBuffer(count: width)
        let dmul = try d.makeBuffer(count: graphs * width), dadd = try d.makeBuffer(count: graphs * width)
        try d.poolBackward(dinp: dFilm.all, dout: dPooled.all, inp: film.all, out: pooled.all, graphs: graphs, positions: positions, dim: width)
        try d.filmBackward(dinp: dNormed.all, dmul: dmul.all, dadd: dadd.all, dout: dFilm.all, inp: normed.all, mul: mul.all,
                           graphs: graphs, positions: positions, dim: width)
        // The positional table: the gradient passes through unchanged.
        try d.layerNormBackward(dinp: dCat.all, dgamma: dgamma.all, dbeta: dbeta.all, dout: dNormed.all, inp: cat.all,
                                mean: mean.all, rstd: rstd.all, gamma: gamma.all, rows: pairs, dim: width)
        try d.concatBroadcastBackward(da: dSym.all, db: db.all, dout: dCat.all, graphs: graphs, positions: positions, dimA: dimA, dimB: dimB)
        try d.applyPairMask(dSym.all, nodeMask: mask.all, graphs: graphs, n: n, dim: dimA, zeroDiagonal: true)
        try d.symmetrizePairsBackward(dinp: dx.all, dout: dSym.all, graphs: graphs, n: n, dim: dimA)
        return (loss, ["x": try d.download(dx.all), "b": try d.download(db.all), "gamma": try d.download(dgamma.all),
                       "beta": try d.download(dbeta.all), "mul": try d.download(dmul.all), "add": try d.download(dadd.all)])
    }

    func testChainGradientsMatchFiniteDifferences() throws {
        let d = TestDevices.swift
        let v = makeInputs()
        let analytic = try run(d, v, backward: true).grads
        let fields: [(String, WritableKeyPath<Inputs, [Float]>)] =
            [("x", \.x), ("b", \.b), ("gamma", \.gamma), ("beta", \.beta), ("mul", \.mul), ("add", \.add)]
        for (name, path) in fields {
            let numeric = try numericGradient(v[keyPath: path], h: 1e-3) { values in
                var moved = v
                moved[keyPath: path] = values
                return try run(d, moved, backward: false).loss
            }
            assertGradientsClose(analytic[name]!, numeric, "chain d\(name)")
        }
        // Masked pairs and the diagonal must get no gradient at all.
        let dx = analytic["x"]!
        for c in 0..<dimA {
            XCTAssertEqual(dx[((0 * n + 0) * n + 0) * dimA + c], 0, "diagonal")
            XCTAssertEqual(dx[((0 * n + 1) * n + 2) * dimA + c], 0, "pair with a padded node")
        }
    }

    func testChainOnOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        let v = makeInputs()
        let reference = try run(TestDevices.swift, v, backward: true), got = try run(cl, v, backward: true)
        var worst: Float = 0
        for (name, grad) in reference.grads { worst = max(worst, maxAbsDiff(got.grads[name]!, grad)) }
        print("parity shape-ops chain: max abs err", worst, "loss", got.loss, reference.loss)
        // Seven ops whose per-op differences are each ≲ 1e-6 at these sizes (see the op tests);
        // LayerNorm's backward multiplies by rstd (≤ ~3 here), so allow 1e-5.
        XCTAssertLessThanOrEqual(worst, 1e-5)
    }
}
