import XCTest
@testable import Compute
import TestSupport

final class PoolingTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.pooling) }

    func testForwardMatchesDefinition() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(20)
        let graphs = 3, positions = 6, dim = 5
        let x = randomArray(graphs * positions * dim, &rng, in: -2...2)
        let out = try d.makeBuffer(count: graphs * 4 * dim)
        try d.poolForward(out: out.all, inp: d.makeBuffer(x).all, graphs: graphs, positions: positions, dim: dim)
        let y = try d.download(out.all)
        for g in 0..<graphs {
            for c in 0..<dim {
                let column = (0..<positions).map { Double(x[(g * positions + $0) * dim + c]) }
                let mean = column.reduce(0, +) / Double(positions)
                let std = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(positions - 1)).squareRoot()
                let o = g * 4 * dim + c
                XCTAssertEqual(Double(y[o]), mean, accuracy: 1e-6)
                XCTAssertEqual(Double(y[o + dim]), column.min()!, accuracy: 0)
                XCTAssertEqual(Double(y[o + 2 * dim]), column.max()!, accuracy: 0)
                XCTAssertEqual(Double(y[o + 3 * dim]), std, accuracy: 1e-6, "unbiased (N − 1) std")
            }
        }
    }

    func testGradientMatchesFiniteDifferences() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(21)
        let graphs = 2, positions = 5, dim = 4
        // Distinct values (no ties) and h well below their spacing keep min/max differentiable.
        let x = randomArray(graphs * positions * dim, &rng, in: -2...2)
        let w = randomArray(graphs * 4 * dim, &rng)
        let inp = try d.makeBuffer(x), out = try d.makeBuffer(count: graphs * 4 * dim)
        try d.poolForward(out: out.all, inp: inp.all, graphs: graphs, positions: positions, dim: dim)
        let dinp = try d.makeBuffer(count: x.count)
        try d.poolBackward(dinp: dinp.all, dout: d.makeBuffer(w).all, inp: inp.all, out: out.all,
                           graphs: graphs, positions: positions, dim: dim)
        let numeric = try numericGradient(x, h: 1e-3) { v in
            try d.upload(v, to: inp.all)
            try d.poolForward(out: out.all, inp: inp.all, graphs: graphs, positions: positions, dim: dim)
            return dot(try d.download(out.all), w)
        }
        assertGradientsClose(try d.download(dinp.all), numeric, "pool dinp")
    }

    func testTiesGoToTheFirstIndexAndZeroStdPassesNoGradient() throws {
        let d = TestDevices.swift
        // One graph, 4 positions, 2 channels: channel 0 = [1, 0, 0, 1] (min tie at 1,2; max tie at 0,3),
        // channel 1 constant 5 (std 0).
        let x: [Float] = [1, 5, 0, 5, 0, 5, 1, 5]
        let inp = try d.makeBuffer(x), out = try d.makeBuffer(count: 8), dinp = try d.makeBuffer(count: 8)
        try d.poolForward(out: out.all, inp: inp.all, graphs: 1, positions: 4, dim: 2)
        XCTAssertEqual(try d.download(out.all)[7], 0, "std of a constant channel")
        // dout: mean 0, min 1, max 10, std 100 for both channels.
        let dout: [Float] = [0, 0, 1, 1, 10, 10, 100, 100]
        try d.poolBackward(dinp: dinp.all, dout: d.makeBuffer(dout).all, inp: inp.all, out: out.all, graphs: 1, positions: 4, dim: 2)
        let g = try d.download(dinp.all)
        // Channel 0: mean 0.5, std = √(1/3); std gradient 100·(x − 0.5)/(3·std) = ±50/(3·std).
        let s = Float(50 / (3 * (1.0 / 3.0).squareRoot()))
        XCTAssertEqual(g[0], 10 + s, accuracy: 1e-3)   // first max
        XCTAssertEqual(g[2], 1 - s, accuracy: 1e-3)    // first min
        XCTAssertEqual(g[4], -s, accuracy: 1e-3)       // tied min, not first
        XCTAssertEqual(g[6], s, accuracy: 1e-3)        // tied max, not first
        // Channel 1: every position ties for min and max; std = 0 gives no NaN and no std gradient.
        XCTAssertEqual([g[1], g[3], g[5], g[7]], [11, 0, 0, 0])
    }

    /// A channel equal at every position (as the class-embedding half of E is over one graph's pairs)
    /// has mean = that value and std = 0 exactly. Rounding in the mean would leave a std of ~1e-8, and
    /// the std gradient dstd·(x − mean)/((P − 1)·std) would be noise of order dstd.
    func testConstantChannelsHaveExactlyZeroStdAndNoStdGradient() throws {
        var devices = [(TestDevices.swift, false)]
        if let cl = TestDevices.openCL { devices += [(cl, false), (cl, true)] }
        let values: [Float] = [0.1, 0.7, 1.0 / 3.0, -2.3, 1e-3, 0.123_456_7]
        for positions in [3, 7, 9, 16, 25, 64] {
            let x = (0..<positions).flatMap { _ in values }, dim = values.count
            for (d, groupPerGraph) in devices {
                let inp = try d.makeBuffer(x), out = try d.makeBuffer(count: 4 * dim), dinp = try d.makeBuffer(count: x.count)
                try d.poolForward(out: out.all, inp: inp.all, graphs: 1, positions: positions, dim: dim, groupPerGraph: groupPerGraph)
                let o = try d.download(out.all), shape = "\(d.name), group \(groupPerGraph), P \(positions)"
                XCTAssertEqual(Array(o[0..<dim]), values, "mean, \(shape)")
                XCTAssertEqual(Array(o[(3 * dim)...]), [Float](repeating: 0, count: dim), "std, \(shape)")
                let dout = try d.makeBuffer([Float](repeating: 0, count: 3 * dim) + [Float](repeating: 1, count: dim))
                try d.poolBackward(dinp: dinp.all, dout: dout.all, inp: inp.all, out: out.all, graphs: 1, positions: positions, dim: dim)
                XCTAssertEqual(try d.download(dinp.all), [Float](repeating: 0, count: x.count), "std gradient, \(shape)")
            }
        }
    }

    func testSinglePositionGivesZeroStd() throws {
        let d = TestDevices.swift
        let inp = try d.makeBuffer([3, -2]), out = try d.makeBuffer(count: 8), dinp = try d.makeBuffer(count: 2)
        try d.poolForward(out: out.all, inp: inp.all, graphs: 1, positions: 1, dim: 2)
        XCTAssertEqual(try d.download(out.all), [3, -2, 3, -2, 3, -2, 0, 0])
        try d.poolBackward(dinp: dinp.all, dout: d.makeBuffer([Float](repeating: 1, count: 8)).all, inp: inp.all,
                           out: out.all, graphs: 1, positions: 1, dim: 2)
        XCTAssertEqual(try d.download(dinp.all), [3, 3], "mean + min + max, no std term")
    }

    func testOpenCLMatchesSwiftInBothShapes() throws {
        let cl = try requireOpenCL()
        // The model's two poolings (edges: 64 positions × 128; nodes: 8 × 512), then odd sizes.
        for (graphs, positions, dim) in [(20, 64, 128), (13, 8, 512), (3, 5, 45), (2, 1, 7), (4, 33, 9)] {
            var rng = SeededRandom(UInt64(22 + graphs * positions + dim))
            // Values on a 0.25 grid: many ties, so both backends must agree on the first argmin/argmax.
            let x = randomArray(graphs * positions * dim, &rng, in: -8...8).map { ($0 * 4).rounded() / 4 }
            let w = randomArray(graphs * 4 * dim, &rng)
            let start = randomArray(x.count, &rng)
            func run(_ d: Device, _ groupPerGraph: Bool) throws -> (out: [Float], dinp: [Float]) {
                let inp = try d.makeBuffer([0] + x), out = try d.makeBuffer(count: graphs * 4 * dim + 3)
                let dinp = try d.makeBuffer(start + [0, 0])
                let outView = out.view(3, graphs * 4 * dim), inpView = inp.view(1, x.count)
                try d.poolForward(out: outView, inp: inpView, graphs: graphs, positions: positions, dim: dim,
                                  groupPerGraph: groupPerGraph)
                try d.poolBackward(dinp: dinp.view(0, x.count), dout: d.makeBuffer(w).all, inp: inpView, out: outView,
                                   graphs: graphs, positions: positions, dim: dim)
                return (try d.download(outView), try d.download(dinp.all))
            }
            let reference = try run(TestDevices.swift, false)
            for groupPerGraph in [false, true] {
                let got = try run(cl, groupPerGraph)
                let errOut = maxAbsDiff(got.out, reference.out), errGrad = maxAbsDiff(got.dinp, reference.dinp)
                print("parity pool G \(graphs) P \(positions) C \(dim) groupPerGraph \(groupPerGraph): max abs err out", errOut, "dinp", errGrad)
                // min/max are exact; mean and std sum ≤ 64 values of |x| ≤ 8 in another order:
                // ≲ √64·ε·(Σ|x|/P ≤ 8) ≈ 4e-6 absolute. The gradient's std term divides by std,
                // so allow 1e-5 of its scale. A wrong first-argmin pick would cost ≥ |w| ~ 0.5.
                XCTAssertLessThanOrEqual(errOut, 1e-5 * 8, "out G \(graphs) P \(positions) C \(dim)")
                XCTAssertLessThanOrEqual(errGrad, 1e-5 * max(1, reference.dinp.map(abs).max()!), "dinp G \(graphs) P \(positions) C \(dim)")
            }
        }
    }

    func testBadSizesAreClearErrors() throws {
        let d = TestDevices.swift
        let inp = try d.makeBuffer(count: 2 * 8 * 4), out = try d.makeBuffer(count: 2 * 4 * 4 - 1)
        XCTAssertThrowsError(try d.poolForward(out: out.all, inp: inp.all, graphs: 2, positions: 8, dim: 4)) { e in
            XCTAssertTrue("\(e)".contains("poolForward: invalid size: out holds 31 floats, needs 32"), "\(e)")
        }
        XCTAssertThrowsError(try d.poolBackward(dinp: inp.all, dout: out.all, inp: inp.all, out: out.all,
                                                graphs: 2, positions: 0, dim: 4)) { e in
            XCTAssertTrue("\(e)".contains("poolBackward: invalid size: positions = 0"), "\(e)")
        }
    }
}
