import XCTest
@testable import Compute
import TestSupport

final class FiLMTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.film) }

    func testGradientsMatchFiniteDifferences() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(30)
        let graphs = 2, positions = 3, dim = 5, n = graphs * positions * dim
        let x = randomArray(n, &rng), m = randomArray(graphs * dim, &rng), a = randomArray(graphs * dim, &rng)
        let w = randomArray(n, &rng)
        let inp = try d.makeBuffer(x), mul = try d.makeBuffer(m), add = try d.makeBuffer(a), out = try d.makeBuffer(count: n)
        func loss() throws -> Double {
            try d.filmForward(out: out.all, inp: inp.all, mul: mul.all, add: add.all, graphs: graphs, positions: positions, dim: dim)
            return dot(try d.download(out.all), w)
        }
        let dinp = try d.makeBuffer(count: n), dmul = try d.makeBuffer(count: graphs * dim), dadd = try d.makeBuffer(count: graphs * dim)
        try d.filmBackward(dinp: dinp.all, dmul: dmul.all, dadd: dadd.all, dout: d.makeBuffer(w).all, inp: inp.all, mul: mul.all,
                           graphs: graphs, positions: positions, dim: dim)
        let numX = try numericGradient(x) { v in try d.upload(v, to: inp.all); return try loss() }
        try d.upload(x, to: inp.all)
        let numM = try numericGradient(m) { v in try d.upload(v, to: mul.all); return try loss() }
        try d.upload(m, to: mul.all)
        let numA = try numericGradient(a) { v in try d.upload(v, to: add.all); return try loss() }
        assertGradientsClose(try d.download(dinp.all), numX, "film dinp")
        assertGradientsClose(try d.download(dmul.all), numM, "film dmul")
        assertGradientsClose(try d.download(dadd.all), numA, "film dadd")
    }

    func testOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        // Edge FiLM (64 pair positions × 512), node FiLM (8 × 512), and odd sizes.
        for (graphs, positions, dim) in [(6, 64, 512), (9, 8, 512), (3, 5, 7)] {
            var rng = SeededRandom(UInt64(31 + positions + dim))
            let n = graphs * positions * dim, k = graphs * dim
            let x = randomArray(n, &rng), m = randomArray(k, &rng), a = randomArray(k, &rng), g = randomArray(n, &rng)
            let start = randomArray(n + 2 * k, &rng)
            func run(_ d: Device) throws -> (out: [Float], grads: [Float]) {
                let store = try d.makeBuffer([0, 0] + x + m + a + g + [Float](repeating: 0, count: n) + start)
                let inp = store.view(2, n), mul = store.view(2 + n, k), add = store.view(2 + n + k, k)
                let dout = store.view(2 + n + 2 * k, n), out = store.view(2 + 2 * n + 2 * k, n)
                let dinp = store.view(2 + 3 * n + 2 * k, n), dmul = store.view(2 + 4 * n + 2 * k, k)
                let dadd = store.view(2 + 4 * n + 3 * k, k)
                try d.filmForward(out: out, inp: inp, mul: mul, add: add, graphs: graphs, positions: positions, dim: dim)
                try d.filmBackward(dinp: dinp, dmul: dmul, dadd: dadd, dout: dout, inp: inp, mul: mul,
                                   graphs: graphs, positions: positions, dim: dim)
                return (try d.download(out), try d.download(dinp) + d.download(dmul) + d.download(dadd))
            }
            let reference = try run(TestDevices.swift), got = try run(cl)
            let errOut = maxAbsDiff(got.out, reference.out), errGrad = maxAbsDiff(got.grads, reference.grads)
            print("parity film G \(graphs) P \(positions) C \(dim): max abs err out", errOut, "grads", errGrad)
            // The forward is one multiply-add per value (|out| ≤ 3): only fma contraction can differ,
            // ≤ 1 ulp ≈ 2.4e-7. dmul/dadd sum ≤ 64 terms of |·| ≤ 1 in the same order, but the twin
            // adds each term to the old gradient while the kernel adds the total once: ≲ 64·ε·8 ≈ 3e-5.
            XCTAssertLessThanOrEqual(errOut, 1e-6)
            XCTAssertLessThanOrEqual(errGrad, 5e-5)
        }
    }

    func testBadSizesAreClearErrors() throws {
        let d = TestDevices.swift
        let big = try d.makeBuffer(count: 24), small = try d.makeBuffer(count: 5)
        XCTAssertThrowsError(try d.filmForward(out: big.all, inp: big.all, mul: small.all, add: big.all, graphs: 2, positions: 3, dim: 4)) { e in
            XCTAssertTrue("\(e)".contains("filmForward: invalid size: mul holds 5 floats, needs 8"), "\(e)")
        }
        XCTAssertThrowsError(try d.filmBackward(dinp: big.all, dmul: big.all, dadd: small.all, dout: big.all, inp: big.all, mul: big.all,
                                                graphs: 2, positions: 3, dim: 4)) { e in
            XCTAssertTrue("\(e)".contains("filmBackward: invalid size: dadd"), "\(e)")
        }
    }
}
