import XCTest
@testable import Compute
import TestSupport

final class LinearTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.linear) }

    /// Inputs of one linear layer plus non-zero starting gradients (backward must add to them).
    struct Case {
        let rows: Int, inDim: Int, outDim: Int
        let x: [Float], w: [Float], b: [Float], dout: [Float]
        let dx0: [Float], dw0: [Float], db0: [Float]

        init(rows: Int, inDim: Int, outDim: Int, seed: UInt64) {
            self.rows = rows; self.inDim = inDim; self.outDim = outDim
            var rng = SeededRandom(seed)
            x = randomArray(rows * inDim, &rng); w = randomArray(outDim * inDim, &rng)
            b = randomArray(outDim, &rng); dout = randomArray(rows * outDim, &rng)
            dx0 = randomArray(rows * inDim, &rng); dw0 = randomArray(outDim * inDim, &rng)
            db0 = randomArray(outDim, &rng)
        }
    }

    /// Runs forward (with and without bias) and backward (with and without dinp) on `d`; returns
    /// [out, outNoBias, dinp, dweight, dbias, dweightWithoutDinp] downloaded.
    func run(_ c: Case, on d: Device, shape: LinearKernelShape? = nil) throws -> [[Float]] {
        let x = try d.makeBuffer(c.x), w = try d.makeBuffer(c.w), b = try d.makeBuffer(c.b), g = try d.makeBuffer(c.dout)
        let out = try d.makeBuffer(count: c.rows * c.outDim), outNoBias = try d.makeBuffer(count: c.rows * c.outDim)
        let dx = try d.makeBuffer(c.dx0), dw = try d.makeBuffer(c.dw0), db = try d.makeBuffer(c.db0), dw2 = try d.makeBuffer(c.dw0)
        try d.linearForward(out: out.all, inp: x.all, weight: w.all, bias: b.all,
                            rows: c.rows, inDim: c.inDim, outDim: c.outDim, shape: shape)
        try d.linearForward(out: outNoBias.all, inp: x.all, weight: w.all, bias: nil,
                            rows: c.rows, inDim: c.inDim, outDim: c.outDim, shape: shape)
        try d.linearBackward(dinp: dx.all, dweight: dw.all, dbias: db.all, dout: g.all, inp: x.all, weight: w.all,
                             rows: c.rows, inDim: c.inDim, outDim: c.outDim, shape: shape)
        try d.linearBackward(dinp: nil, dweight: dw2.all, dbias: nil, dout: g.all, inp: x.all, weight: w.all,
                             rows: c.rows, inDim: c.inDim, outDim: c.outDim, shape: shape)
        return try [out, outNoBias, dx, dw, db, dw2].map { try d.download($0.all) }
    }

    /// The same six results computed naively in Double.
    func reference(_ c: Case) -> [[Float]] {
        var out = [Float](), outNoBias = [Float]()
        for r in 0..<c.rows {
            for o in 0..<c.outDim {
                var s = 0.0
                for i in 0..<c.inDim { s += Double(c.x[r * c.inDim + i]) * Double(c.w[o * c.inDim + i]) }
                outNoBias.append(Float(s)); out.append(Float(s + Double(c.b[o])))
            }
        }
        var dx = c.dx0
        for r in 0..<c.rows {
            for i in 0..<c.inDim {
                var s = Double(dx[r * c.inDim + i])
                for o in 0..<c.outDim { s += Double(c.dout[r * c.outDim + o]) * Double(c.w[o * c.inDim + i]) }
                dx[r * c.inDim + i] = Float(s)
            }
        }
        var dw = c.dw0
        for o in 0..<c.outDim {
            for i in 0..<c.inDim {
                var s = Double(dw[o * c.inDim + i])
                for r in 0..<c.rows { s += Double(c.dout[r * c.outDim + o]) * Double(c.x[r * c.inDim + i]) }
                dw[o * c.inDim + i] = Float(s)
            }
        }
        var db = c.db0
        for o in 0..<c.outDim {
            var s = Double(db[o])
            for r in 0..<c.rows { s += Double(c.dout[r * c.outDim + o]) }
            db[o] = Float(s)
        }
        return [out, outNoBias, dx, dw, db, dw]
    }

    /// Shapes that cross every blocking edge of the Swift GEMM (6×8 micro-tiles, 96-row blocks,
    /// 256-deep K blocks, 128-column task split) and of the GPU tiles (64, 128), plus size 1.
    static let awkwardShapes: [(rows: Int, inDim: Int, outDim: Int)] = [
        (1, 1, 1), (1, 7, 5), (5, 2, 4), (7, 64, 9), (13, 300, 17), (97, 5, 130), (200, 33, 70), (130, 129, 257),
    ]

    func testSwiftTwinMatchesNaiveDoubleProducts() throws {
        for (n, s) in Self.awkwardShapes.enumerated() {
            let c = Case(rows: s.rows, inDim: s.inDim, outDim: s.outDim, seed: UInt64(10 + n))
            let got = try run(c, on: TestDevices.swift), want = reference(c)
            for (part, name) in ["out", "out (no bias)", "dinp", "dweight", "dbias", "dweight (no dinp)"].enumerated() {
                // Float sums of k terms of size ≤ 1 against exact (Double) sums: ≤ ~k·ε·(terms) worst case,
                // far less in practice; 2e-6·k + 1e-6 leaves a wide margin over what we measure.
                let k = part == 2 ? s.outDim : part == 3 || part == 4 || part == 5 ? s.rows : s.inDim
                let err = maxAbsDiff(got[part], want[part])
                XCTAssertLessThanOrEqual(err, 2e-6 * Float(k) + 1e-6, "\(name) for \(s): max abs err \(err)")
            }
        }
    }

    func testSwiftTwinGradientsMatchFiniteDifferences() throws {
        let d = TestDevices.swift
        let rows = 5, inDim = 7, outDim = 3
        var rng = SeededRandom(3)
        let x = randomArray(rows * inDim, &rng), w = randomArray(outDim * inDim, &rng), b = randomArray(outDim, &rng)
        let lossWeights = randomArray(rows * outDim, &rng)
        let xb = try d.makeBuffer(x), wb = try d.makeBuffer(w), bb = try d.makeBuffer(b), out = try d.makeBuffer(count: rows * outDim)
        let dx = try d.makeBuffer(count: rows * inDim), dw = try d.makeBuffer(count: outDim * inDim), db = try d.makeBuffer(count: outDim)
        try d.linearBackward(dinp: dx.all, dweight: dw.all, dbias: db.all, dout: try d.makeBuffer(lossWeights).all,
                             inp: xb.all, weight: wb.all, rows: rows, inDim: inDim, outDim: outDim)
        func loss() throws -> Double {
            try d.linearForward(out: out.all, inp: xb.all, weight: wb.all, bias: bb.all, rows: rows, inDim: inDim, outDim: outDim)
            return dot(try d.download(out.all), lossWeights)
        }
        let nx = try numericGradient(x) { v in try d.upload(v, to: xb.all); defer { try? d.upload(x, to: xb.all) }; return try loss() }
        let nw = try numericGradient(w) { v in try d.upload(v, to: wb.all); defer { try? d.upload(w, to: wb.all) }; return try loss() }
        let nb = try numericGradient(b) { v in try d.upload(v, to: bb.all); defer { try? d.upload(b, to: bb.all) }; return try loss() }
        assertGradientsClose(try d.download(dx.all), nx, "linear dinp")
        assertGradientsClose(try d.download(dw.all), nw, "linear dweight")
        assertGradientsClose(try d.download(db.all), nb, "linear dbias")
    }

    /// Compares every result of `shape` on PoCL (or on `device`) with the Swift twin over the awkward shapes.
    func checkParity(_ shape: LinearKernelShape?, label: String, on device: Device? = nil) throws {
        let cl = try device ?? requireOpenCL()
        var worst: Float = 0
        for (n, s) in Self.awkwardShapes.enumerated() {
            let c = Case(rows: s.rows, inDim: s.inDim, outDim: s.outDim, seed: UInt64(100 + n))
            let got = try run(c, on: cl, shape: shape), want = try run(c, on: TestDevices.swift)
            for part in 0..<6 {
                let k = part == 2 ? s.outDim : part >= 3 ? s.rows : s.inDim
                let err = maxAbsDiff(got[part], want[part])
                worst = max(worst, err)
                // Same products, different summation order (and fma vs mul+add): the difference of two
                // float sums of k terms of size ≤ 1 grows like √k·ε·|partial sums|; measured ≤ 1e-5 at
                // k = 300. 2e-6·k + 1e-6 is ~10× that and still catches any wrong or missing term.
                XCTAssertLessThanOrEqual(err, 2e-6 * Float(k) + 1e-6, "\(label) result \(part) for \(s): max abs err \(err)")
            }
        }
        print("parity linear \(label): max abs err", worst)
    }

    func testOpenCLCPUKernelsMatchSwift() throws { try checkParity(.cpu, label: "cpu kernels") }

    func testOpenCLGPUKernels64MatchSwift() throws { try checkParity(.gpu(tile: 64, slices: 1), label: "gpu 64-tiles") }

    func testOpenCLGPUKernels128MatchSwift() throws { try checkParity(.gpu(tile: 128, slices: 1), label: "gpu 128-tiles") }

    func testOpenCLGPUSplitKMatchesSwift() throws { try checkParity(.gpu(tile: 64, slices: 3), label: "gpu split-K ×3") }

    func testOpenCLDefaultChoiceMatchesSwift() throws { try checkParity(nil, label: "default for this device") }

    /// The tensor-core GEMMs, products emulated (see tensorCoreEmulator): tiles, tails, unaligned rows and
    /// split-K.
    func testEmulatedTensorCoreGEMMsMatchSwift() throws {
        let d = try tensorCoreEmulator()
        XCTAssertTrue(try XCTUnwrap(d.cl).tensorCoreGEMM, "the emulated kernels must build")
        try checkParity(.gpu(tile: nil, slices: 1), label: "tensor cores emulated", on: d)
        try checkParity(.gpu(tile: nil, slices: 3), label: "tensor cores emulated, split-K ×3", on: d)
    }

    /// A masked forward equals the unmasked one with padded rows scaled by their mask, on the Swift
    /// twin, the CPU kernels and the GPU GEMMs (whose epilogue does the masking, split-K included).
    func testMaskedForwardScalesPaddedRows() throws {
        let graphs = 3, n = 5, inDim = 7, outDim = 9
        let nodeMask: [Float] = [1, 1, 1, 1, 1,  1, 1, 1, 0, 0,  1, 0, 0, 0, 0]
        var devices: [(Device, LinearKernelShape?, String)] = [(TestDevices.swift, nil, "swift")]
        if let cl = TestDevices.openCL {
            devices += [(cl, .cpu, "cpu kernels"), (cl, .gpu(tile: 64, slices: 1), "gpu 64"), (cl, .gpu(tile: 64, slices: 3), "gpu split-K")]
        }
        for pairs in [false, true] {
            let rows = pairs ? graphs * n * n : graphs * n
            let c = Case(rows: rows, inDim: inDim, outDim: outDim, seed: 77)
            let plain = reference(c)[0]
            var want = plain
            for r in 0..<rows {
                let g = r / (pairs ? n * n : n), t = r % (pairs ? n * n : n)
                let m = pairs ? nodeMask[g * n + t / n] * nodeMask[g * n + t % n] : nodeMask[r]
                for o in 0..<outDim { want[r * outDim + o] *= m }
            }
            XCTAssertTrue(zip(want, plain).contains { $0 != $1 }, "the mask must change some rows")
            for (d, shape, label) in devices {
                let x = try d.makeBuffer(c.x), w = try d.makeBuffer(c.w), b = try d.makeBuffer(c.b)
                let out = try d.makeBuffer(Array(repeating: Float.nan, count: rows * outDim)), mask = try d.makeBuffer(nodeMask)
                try d.linearForward(out: out.all, inp: x.all, weight: w.all, bias: b.all, rows: rows, inDim: inDim, outDim: outDim,
                                    mask: RowMask(nodeMask: mask.all, n: n, pairs: pairs), shape: shape)
                let err = maxAbsDiff(try d.download(out.all), want)
                XCTAssertLessThanOrEqual(err, 1e-5, "\(label), \(pairs ? "pair" : "node") rows")
            }
        }
        XCTAssertThrowsError(try TestDevices.swift.linearForward(
            out: try TestDevices.swift.makeBuffer(count: 14 * 9).all, inp: try TestDevices.swift.makeBuffer(count: 14 * 7).all,
            weight: try TestDevices.swift.makeBuffer(count: 63).all, bias: nil, rows: 14, inDim: 7, outDim: 9,
            mask: RowMask(nodeMask: try TestDevices.swift.makeBuffer(nodeMask).all, n: 5, pairs: false)))
    }

    func testGPUPlanForTheModelShapesOnAnH100() {
        // 132 compute units, as the H100's OpenCL driver reports its SMs.
        XCTAssertEqual(GEMMPlan.choose(m: 24576, n: 512, k: 128, computeUnits: 132), GEMMPlan(tile: 128, slices: 1, kChunk: 128))
        XCTAssertEqual(GEMMPlan.choose(m: 3072, n: 512, k: 512, computeUnits: 132), GEMMPlan(tile: 64, slices: 1, kChunk: 512))
        // dW of (24576, 128→512): a 512×128 result over 24576 rows, 16 tiles → K split 17 ways.
        XCTAssertEqual(GEMMPlan.choose(m: 512, n: 128, k: 24576, computeUnits: 132), GEMMPlan(tile: 64, slices: 17, kChunk: 1456))
        // forward (384, 2048→64): 6 tiles, K = 2048 → 8 slices of 256.
        XCTAssertEqual(GEMMPlan.choose(m: 384, n: 64, k: 2048, computeUnits: 132), GEMMPlan(tile: 64, slices: 8, kChunk: 256))
        // Forced split larger than K allows collapses to what K can feed.
        XCTAssertEqual(GEMMPlan.choose(m: 5, n: 5, k: 20, computeUnits: 2, tile: 64, slices: 3), GEMMPlan(tile: 64, slices: 2, kChunk: 16))
    }

    func testBadSizesAreClearErrors() throws {
        let d = TestDevices.swift
        let small = try d.makeBuffer(count: 6), big = try d.makeBuffer(count: 100)
        XCTAssertThrowsError(try d.linearForward(out: big.all, inp: small.all, weight: big.all, bias: nil, rows: 2, inDim: 4, outDim: 3)) { e in
            XCTAssertTrue("\(e)".contains("linear: invalid size: inp"), "\(e)")
        }
        XCTAssertThrowsError(try d.linearForward(out: big.all, inp: big.all, weight: big.all, bias: small.all, rows: 2, inDim: 4, outDim: 7)) { e in
            XCTAssertTrue("\(e)".contains("bias"), "\(e)")
        }
        XCTAssertThrowsError(try d.linearForward(out: big.all, inp: big.all, weight: big.all, bias: nil, rows: 0, inDim: 4, outDim: 3)) { e in
            XCTAssertTrue("\(e)".contains("rows = 0"), "\(e)")
        }
        XCTAssertThrowsError(try d.linearBackward(dinp: nil, dweight: small.all, dbias: nil, dout: big.all, inp: big.all, weight: big.all,
                                                  rows: 2, inDim: 4, outDim: 3)) { e in
            XCTAssertTrue("\(e)".contains("linear backward: invalid size: dweight"), "\(e)")
        }
    }
}
