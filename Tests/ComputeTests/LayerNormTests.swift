import XCTest
@testable import Compute
import TestSupport

final class LayerNormTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.layerNorm) }

    /// The fused residual block (sum = a + b, LN(sum)·mask) in one GPU kernel equals add, LayerNorm
    /// and mask run one after another on the Swift twin, for node and pair masks and odd widths.
    func testAddLayerNormKernelMatchesTheThreeOps() throws {
        let cl = try requireOpenCL()
        let n = 3, graphs = 2
        let nodeMask: [Float] = [1, 1, 1, 1, 0, 0]
        for (dim, pairs) in [(37, false), (128, true), (512, false), (100, true)] {
            let rows = pairs ? graphs * n * n : graphs * n
            var rng = SeededRandom(UInt64(dim))
            let a = randomArray(rows * dim, &rng), b = randomArray(rows * dim, &rng).map { 3 * $0 + 1 }
            let w = randomArray(dim, &rng), bt = randomArray(dim, &rng)
            func run(_ d: Device, groupPerRow: Bool, keepSum: Bool = true) throws -> [Float] {
                let out = try d.makeBuffer(Array(repeating: .nan, count: rows * dim)), sum = try d.makeBuffer(count: rows * dim)
                let mean = try d.makeBuffer(count: rows), rstd = try d.makeBuffer(count: rows)
                try d.addLayerNormForward(out: out.all, mean: mean.all, rstd: rstd.all, sum: sum.all, a: d.makeBuffer(a).all,
                                          b: d.makeBuffer(b).all, gamma: d.makeBuffer(w).all, beta: d.makeBuffer(bt).all,
                                          rows: rows, dim: dim, mask: RowMask(nodeMask: try d.makeBuffer(nodeMask).all, n: n, pairs: pairs),
                                          keepSum: keepSum, groupPerRow: groupPerRow)
                return try d.download(out.all) + d.download(sum.all) + d.download(mean.all) + d.download(rstd.all)
            }
            let want = try run(TestDevices.swift, groupPerRow: false), got = try run(cl, groupPerRow: true)
            XCTAssertFalse(got.contains { $0.isNaN }, "every output written, dim \(dim)")
            XCTAssertTrue(want[0..<(rows * dim)].contains(0), "the mask zeroes some rows")
            let err = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            // Same two-pass statistics in a different summation order: a few ulps of values of size ~5.
            XCTAssertLessThanOrEqual(err, 2e-5, "dim \(dim) \(pairs ? "pairs" : "nodes"): max abs err \(err)")
            // Sampling skips storing the sum; the normalised output is the same.
            let noSum = try run(cl, groupPerRow: true, keepSum: false)
            XCTAssertEqual(Array(noSum[0..<(rows * dim)]), Array(got[0..<(rows * dim)]), "dim \(dim): out without keepSum")
            XCTAssertTrue(noSum[(rows * dim)..<(2 * rows * dim)].allSatisfy { $0 == 0 }, "dim \(dim): sum left alone")
        }
    }

    func testForwardMatchesDoublePrecisionDefinition() throws {
        // Rows with mean 1000 and spread 1: a one-pass E[x²] − E[x]² variance would lose every digit.
        let d = TestDevices.swift
        var rng = SeededRandom(10)
        let rows = 6, dim = 37
        let x = randomArray(rows * dim, &rng).map { 1000 + $0 }
        let w = randomArray(dim, &rng), b = randomArray(dim, &rng)
        let out = try d.makeBuffer(count: rows * dim), mean = try d.makeBuffer(count: rows), rstd = try d.makeBuffer(count: rows)
        try d.layerNormForward(out: out.all, mean: mean.all, rstd: rstd.all, inp: d.makeBuffer(x).all,
                               gamma: d.makeBuffer(w).all, beta: d.makeBuffer(b).all, rows: rows, dim: dim)
        let y = try d.download(out.all)
        var worst = 0.0
        for r in 0..<rows {
            let row = x[(r * dim)..<((r + 1) * dim)].map(Double.init)
            let mu = row.reduce(0, +) / Double(dim)
            let variance = row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(dim)
            for c in 0..<dim {
                let expected = (row[c] - mu) / (variance + 1e-5).squareRoot() * Double(w[c]) + Double(b[c])
                worst = max(worst, abs(expected - Double(y[r * dim + c])))
            }
        }
        // x is stored in fp32 at 1000 ± 1, i.e. with ~6e-5 absolute rounding, which is ~1e-4 of
        // the spread; the normalised output inherits that, times |gamma| ≤ 1.
        XCTAssertLessThan(worst, 5e-4, "max abs error vs double-precision LayerNorm \(worst)")
    }

    func testGradientsMatchFiniteDifferences() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(11)
        let rows = 4, dim = 13 // 13 = one SIMD block of 8 plus a scalar tail
        let x = randomArray(rows * dim, &rng, in: -2...2), w = randomArray(dim, &rng), b = randomArray(dim, &rng)
        let weights = randomArray(rows * dim, &rng)
        let inp = try d.makeBuffer(x), gamma = try d.makeBuffer(w), beta = try d.makeBuffer(b)
        let out = try d.makeBuffer(count: rows * dim), mean = try d.makeBuffer(count: rows), rstd = try d.makeBuffer(count: rows)
        func loss() throws -> Double {
            try d.layerNormForward(out: out.all, mean: mean.all, rstd: rstd.all, inp: inp.all, gamma: gamma.all,
                                   beta: beta.all, rows: rows, dim: dim)
            return dot(try d.download(out.all), weights)
        }
        _ = try loss()
        let dinp = try d.makeBuffer(count: rows * dim), dgamma = try d.makeBuffer(count: dim), dbeta = try d.makeBuffer(count: dim)
        try d.layerNormBackward(dinp: dinp.all, dgamma: dgamma.all, dbeta: dbeta.all, dout: d.makeBuffer(weights).all,
                                inp: inp.all, mean: mean.all, rstd: rstd.all, gamma: gamma.all, rows: rows, dim: dim)
        let numX = try numericGradient(x, h: 1e-2) { v in try d.upload(v, to: inp.all); return try loss() }
        try d.upload(x, to: inp.all)
        let numW = try numericGradient(w, h: 1e-2) { v in try d.upload(v, to: gamma.all); return try loss() }
        try d.upload(w, to: gamma.all)
        let numB = try numericGradient(b, h: 1e-2) { v in try d.upload(v, to: beta.all); return try loss() }
        assertGradientsClose(try d.download(dinp.all), numX, "layerNorm dinp")
        assertGradientsClose(try d.download(dgamma.all), numW, "layerNorm dgamma")
        assertGradientsClose(try d.download(dbeta.all), numB, "layerNorm dbeta")
    }

    func testBackwardAddsIntoGradients() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(12)
        let rows = 3, dim = 16
        let x = randomArray(rows * dim, &rng), w = randomArray(dim, &rng), g = randomArray(rows * dim, &rng)
        let inp = try d.makeBuffer(x), gamma = try d.makeBuffer(w), dout = try d.makeBuffer(g)
        let out = try d.makeBuffer(count: rows * dim), mean = try d.makeBuffer(count: rows), rstd = try d.makeBuffer(count: rows)
        try d.layerNormForward(out: out.all, mean: mean.all, rstd: rstd.all, inp: inp.all, gamma: gamma.all,
                               beta: d.makeBuffer(count: dim).all, rows: rows, dim: dim)
        func grads(from start: Float) throws -> [Float] {
            let dinp = try d.makeBuffer([Float](repeating: start, count: rows * dim))
            let dgamma = try d.makeBuffer([Float](repeating: start, count: dim)), dbeta = try d.makeBuffer([Float](repeating: start, count: dim))
            try d.layerNormBackward(dinp: dinp.all, dgamma: dgamma.all, dbeta: dbeta.all, dout: dout.all, inp: inp.all,
                                    mean: mean.all, rstd: rstd.all, gamma: gamma.all, rows: rows, dim: dim)
            return try d.download(dinp.all) + d.download(dgamma.all) + d.download(dbeta.all)
        }
        let fromZero = try grads(from: 0), fromOne = try grads(from: 1)
        XCTAssertLessThan(maxAbsDiff(fromZero.map { $0 + 1 }, fromOne), 1e-5)
    }

    func testOpenCLMatchesSwiftInBothShapes() throws {
        let cl = try requireOpenCL()
        // (rows, dim): the model's sizes, plus odd ones that leave partial work-groups and tails;
        // 200 and 3000 rows make the GPU shape split dgamma/dbeta into several row chunks.
        for (rows, dim) in [(3000, 128), (200, 64), (37, 70), (24, 2048), (5, 3)] {
            var rng = SeededRandom(UInt64(13 + rows + dim))
            let x = randomArray(rows * dim, &rng, in: -3...5)
            let w = randomArray(dim, &rng, in: 0.5...1.5), b = randomArray(dim, &rng)
            let g = randomArray(rows * dim, &rng)
            let start = randomArray(rows * dim + 2 * dim, &rng)
            let reference = try runLayerNorm(TestDevices.swift, groupPerRow: false, x, w, b, g, start, rows, dim)
            for groupPerRow in [false, true] {
                let got = try runLayerNorm(cl, groupPerRow: groupPerRow, x, w, b, g, start, rows, dim)
                for (name, tolerance) in [("out", 1e-5), ("mean", 1e-5), ("rstd", 1e-5), ("dinp", 1e-5), ("dgamma", 1e-5), ("dbeta", 1e-5)] {
                    let a = got[name]!, e = reference[name]!
                    let err = maxAbsDiff(a, e), scale = e.map { abs($0) }.max()!
                    print("parity layerNorm \(name) rows \(rows) dim \(dim) groupPerRow \(groupPerRow): max abs err", err, "scale", scale)
                    // The kernels sum in another order (tree vs. SIMD lanes, chunks of rows), so
                    // results differ by rounding: with k terms the error is ~√k·ε relative to the
                    // largest term (k ≤ 3000; ε = 6e-8, gives ~3e-6), and well under 1e-5·scale
                    // for every array here; a wrong index or formula gives errors of order scale.
                    XCTAssertLessThanOrEqual(Double(err), tolerance * Double(max(scale, 1)),
                                             "\(name) rows \(rows) dim \(dim) groupPerRow \(groupPerRow)")
                }
            }
        }
    }

    func testBadSizesAreClearErrors() throws {
        let d = TestDevices.swift
        let a = try d.makeBuffer(count: 32), small = try d.makeBuffer(count: 3), stats = try d.makeBuffer(count: 4)
        XCTAssertThrowsError(try d.layerNormForward(out: a.all, mean: stats.all, rstd: stats.all, inp: d.makeBuffer(count: 32).all,
                                                    gamma: small.all, beta: small.all, rows: 4, dim: 8)) { e in
            XCTAssertTrue("\(e)".contains("layerNormForward: invalid size: gamma"), "\(e)")
        }
        XCTAssertThrowsError(try d.layerNormForward(out: a.all, mean: stats.all, rstd: stats.all, inp: a.all,
                                                    gamma: a.all, beta: a.all, rows: 4, dim: 8)) { e in
            XCTAssertTrue("\(e)".contains("out overlaps inp"), "\(e)")
        }
        XCTAssertThrowsError(try d.layerNormBackward(dinp: a.all, dgamma: a.all, dbeta: a.all, dout: a.all, inp: a.all,
                                                     mean: stats.all, rstd: stats.all, gamma: a.all, rows: 0, dim: 8)) { e in
            XCTAssertTrue("\(e)".contains("layerNormBackward: invalid size: rows = 0"), "\(e)")
        }
    }

    /// Forward then backward on `d`, with every buffer placed at an offset inside a larger one
    /// so the kernels' offset arguments are exercised. Returns each output by name.
    private func runLayerNorm(_ d: Device, groupPerRow: Bool, _ x: [Float], _ w: [Float], _ b: [Float], _ g: [Float],
                              _ start: [Float], _ rows: Int, _ dim: Int) throws -> [String: [Float]] {
        let n = rows * dim
        let store = try d.makeBuffer(count: 7 + 4 * n + 2 * rows + 5 * dim)
        var at = 7
        func next(_ count: Int) -> View { defer { at += count }; return store.view(at, count) }
        let inp = next(n), out = next(n), dout = next(n), dinp = next(n)
        let mean = next(rows), rstd = next(rows), gamma = next(dim), beta = next(dim), dgamma = next(dim), dbeta = next(dim)
        try d.upload(x, to: inp); try d.upload(w, to: gamma); try d.upload(b, to: beta); try d.upload(g, to: dout)
        try d.upload(Array(start[0..<n]), to: dinp)
        try d.upload(Array(start[n..<(n + dim)]), to: dgamma); try d.upload(Array(start[(n + dim)...]), to: dbeta)
        try d.layerNormForward(out: out, mean: mean, rstd: rstd, inp: inp, gamma: gamma, beta: beta, rows: rows, dim: dim,
                               groupPerRow: groupPerRow)
        try d.layerNormBackward(dinp: dinp, dgamma: dgamma, dbeta: dbeta, dout: dout, inp: inp, mean: mean, rstd: rstd,
                                gamma: gamma, rows: rows, dim: dim, groupPerRow: groupPerRow)
        return ["out": try d.download(out), "mean": try d.download(mean), "rstd": try d.download(rstd),
                "dinp": try d.download(dinp), "dgamma": try d.download(dgamma), "dbeta": try d.download(dbeta)]
    }
}
