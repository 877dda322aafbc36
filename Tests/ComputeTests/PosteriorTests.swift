import XCTest
@testable import Compute

final class PosteriorTests: XCTestCase {
    /// The marginal transition (1 − b)·I + b·1mᵀ, row-major, in Double (dinas-spec §2.2).
    private func marginalTransition(_ b: Double, _ m: [Double]) -> [Double] {
        let d = m.count
        var q = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { q[i * d + j] = (i == j ? 1 - b : 0) + b * m[j] } }
        return q
    }

    /// The posterior of dinas-spec §2.4 in Double, straight from the formula.
    private func reference(x0: [Float], zt: [Float], qt: [Double], qs: [Double], qtb: [Double], rows: Int, classes d: Int,
                           rowsPerGraph: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows * d)
        for r in 0..<rows {
            let z = Int(zt[r]), g = r / rowsPerGraph, o = g * d * d
            var unnorm = [Double](repeating: 0, count: d)
            if z >= 0 {
                for c in 0..<d {
                    for a in 0..<d {
                        var den = qtb[o + a * d + z]
                        if den == 0 { den = 1e-6 }
                        unnorm[c] += Double(x0[r * d + a]) * qt[o + c * d + z] * qs[o + a * d + c] / den
                    }
                }
            }
            let total = unnorm.reduce(0, +)
            for c in 0..<d { out[r * d + c] = total == 0 ? 1 / Double(d) : unnorm[c] / total }
        }
        return out
    }

    private func run(_ dev: Device, x0: [Float], zt: [Float], qt: [Double], qs: [Double], qtb: [Double], rows: Int,
                     classes: Int, rowsPerGraph: Int) throws -> [Float] {
        let out = try dev.makeBuffer(count: rows * classes)
        try dev.categoricalPosterior(out: out.all, x0Probs: try dev.makeBuffer(x0).all, zt: try dev.makeBuffer(zt).all,
                                     qt: try dev.makeBuffer(qt.map(Float.init)).all,
                                     qsBar: try dev.makeBuffer(qs.map(Float.init)).all,
                                     qtBar: try dev.makeBuffer(qtb.map(Float.init)).all,
                                     rows: rows, classes: classes, rowsPerGraph: rowsPerGraph)
        return try dev.download(out.all)
    }

    func testTwoClassBayesRuleByHand() throws {
        // m = (0.3, 0.7), β_t = 0.2, ᾱ_s = 0.6, ᾱ_t = ᾱ_s(1 − β_t) = 0.48:
        //   Q_t = [[0.86, 0.14], [0.06, 0.94]],  Q̄_s = [[0.72, 0.28], [0.12, 0.88]],  Q̄_t = [[0.636, 0.364], [0.156, 0.844]]
        // (Q̄_s·Q_t = Q̄_t, as it must). With z_t = 1:
        //   q(z_s | z_t=1, x0=0) = (0.14·0.72, 0.94·0.28)/0.364 = (0.1008, 0.2632)/0.364
        //   q(z_s | z_t=1, x0=1) = (0.14·0.12, 0.94·0.88)/0.844 = (0.0168, 0.8272)/0.844
        // and p̂(x0) = (0.25, 0.75) mixes them; each q sums to 1, so the mixture already does.
        let m = [0.3, 0.7]
        let qt = marginalTransition(0.2, m), qs = marginalTransition(1 - 0.6, m), qtb = marginalTransition(1 - 0.48, m)
        XCTAssertEqual(qt[1], 0.14, accuracy: 1e-12); XCTAssertEqual(qs[2], 0.12, accuracy: 1e-12)
        XCTAssertEqual(qtb[3], 0.844, accuracy: 1e-12)
        let got = try run(TestDevices.swift, x0: [0.25, 0.75, 1, 0], zt: [1, 1], qt: qt, qs: qs, qtb: qtb,
                          rows: 2, classes: 2, rowsPerGraph: 2)
        let mixed0 = 0.25 * 0.1008 / 0.364 + 0.75 * 0.0168 / 0.844      // = 0.0841597…
        XCTAssertEqual(Double(got[0]), mixed0, accuracy: 1e-6)
        XCTAssertEqual(Double(got[1]), 1 - mixed0, accuracy: 1e-6)
        XCTAssertEqual(Double(got[2]), 0.1008 / 0.364, accuracy: 1e-6)  // the true-x0 posterior (validation loss)
        XCTAssertEqual(Double(got[3]), 0.2632 / 0.364, accuracy: 1e-6)
    }

    /// Three graphs at different t, 3 classes, with padded rows, a row without mass and, in graph 2,
    /// a class with zero marginal so Q̄_t has exact zeros (the 1e-6 denominator rule).
    private func perGraphCase(rowsPerGraph: Int, graphs: Int, classes d: Int, seed: UInt64)
        -> (x0: [Float], zt: [Float], qt: [Double], qs: [Double], qtb: [Double]) {
        var rng = SeededRandom(seed)
        var qt: [Double] = [], qs: [Double] = [], qtb: [Double] = []
        for g in 0..<graphs {
            var m = (0..<d).map { _ in Double.random(in: 0.05...1, using: &rng) }
            if g % 3 == 2 { m[d - 1] = 0 }
            let sum = m.reduce(0, +); m = m.map { $0 / sum }
            let beta = Double.random(in: 0.01...0.5, using: &rng), barS = Double.random(in: 0.05...0.99, using: &rng)
            qt += marginalTransition(beta, m); qs += marginalTransition(1 - barS, m)
            qtb += marginalTransition(1 - barS * (1 - beta), m)
        }
        let rows = graphs * rowsPerGraph
        var x0: [Float] = [], zt: [Float] = []
        for r in 0..<rows {
            let w = (0..<d).map { _ in Float.random(in: 0...1, using: &rng) }
            let s = w.reduce(0, +)
            x0 += w.map { $0 / s }
            zt.append(r % 7 == 3 ? -1 : Float(Int.random(in: 0..<d, using: &rng)))
        }
        for c in 0..<d { x0[5 * d + c] = 0 }   // row 5: no predicted mass → uniform
        return (x0, zt, qt, qs, qtb)
    }

    func testPerGraphMatricesMatchDoubleReferenceAndRowsSumToOne() throws {
        let rowsPerGraph = 4, graphs = 3, d = 3, rows = rowsPerGraph * graphs
        let k = perGraphCase(rowsPerGraph: rowsPerGraph, graphs: graphs, classes: d, seed: 41)
        let got = try run(TestDevices.swift, x0: k.x0, zt: k.zt, qt: k.qt, qs: k.qs, qtb: k.qtb, rows: rows, classes: d,
                          rowsPerGraph: rowsPerGraph)
        let want = reference(x0: k.x0, zt: k.zt, qt: k.qt, qs: k.qs, qtb: k.qtb, rows: rows, classes: d, rowsPerGraph: rowsPerGraph)
        for i in got.indices { XCTAssertEqual(Double(got[i]), want[i], accuracy: 1e-5, "element \(i)") }
        for r in 0..<rows {
            XCTAssertEqual(got[r * d..<(r + 1) * d].reduce(0, +), 1, accuracy: 1e-6, "row \(r) sum")
            if k.zt[r] < 0 || r == 5 {
                XCTAssertEqual(Array(got[r * d..<(r + 1) * d]), [Float](repeating: 1 / Float(d), count: d), "row \(r) uniform")
            }
        }
    }

    func testPosteriorOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        // Edge-shaped (n² = 64 rows per graph, 2 classes) and node-shaped (8 rows per graph, 7 classes).
        for (rowsPerGraph, d) in [(64, 2), (8, 7)] {
            let graphs = 48, rows = rowsPerGraph * graphs
            let k = perGraphCase(rowsPerGraph: rowsPerGraph, graphs: graphs, classes: d, seed: 42)
            let s = try run(TestDevices.swift, x0: k.x0, zt: k.zt, qt: k.qt, qs: k.qs, qtb: k.qtb, rows: rows, classes: d,
                            rowsPerGraph: rowsPerGraph)
            let c = try run(cl, x0: k.x0, zt: k.zt, qt: k.qt, qs: k.qs, qtb: k.qtb, rows: rows, classes: d,
                            rowsPerGraph: rowsPerGraph)
            let err = maxAbsDiff(s, c)
            print("parity categoricalPosterior (\(rows)×\(d)): max abs err", err)
            // Same loops in the same order; the only freedom is fma contraction of the inner
            // mixed += (p/den)·q (-cl-mad-enable). Each term is ≤ 1e6 only when den hits 1e-6; the
            // normalised outputs are ≤ 1, where a few ulp of the d² terms is ≤ 1e-6.
            XCTAssertLessThanOrEqual(err, 1e-6)
        }
    }

    func testPosteriorSizeMismatchIsAClearError() throws {
        let d = TestDevices.swift
        let a = try d.makeBuffer(count: 8), q = try d.makeBuffer(count: 4)
        // 4 rows of 2 classes, 2 rows per graph → 2 graphs need 8 floats per matrix set.
        XCTAssertThrowsError(try d.categoricalPosterior(out: a.all, x0Probs: a.all, zt: a.all, qt: q.all, qsBar: a.all,
                                                        qtBar: a.all, rows: 4, classes: 2, rowsPerGraph: 2)) { e in
            XCTAssertTrue("\(e)".contains("categoricalPosterior: invalid size"), "\(e)")
            XCTAssertTrue("\(e)".contains("qt"), "\(e)")
        }
    }
}
