import XCTest
@testable import Compute

// linearSumForward against the separate layers it replaces (linear, linear, add, ...): bit for bit on
// the Swift twin, within float rounding on OpenCL, where every term writes split-K partials with its
// bias in the first slice only and one reduction sums them.
final class LinearSumTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.linearSum) }

    /// Rows and output width fit one 64-tile, so on a device of 8 compute units the long term splits K
    /// (4 slices of the 1100) and the short ones do not.
    let rows = 37, outDim = 9, dims = [1100, 300, 5]

    func separate(_ d: Device, _ values: [([Float], [Float], [Float])]) throws -> [Float] {
        var sum = [Float](repeating: 0, count: rows * outDim)
        for (j, (x, w, b)) in values.enumerated() {
            let out = try d.makeBuffer(count: rows * outDim)
            try d.linearForward(out: out.all, inp: try d.makeBuffer(x).all, weight: try d.makeBuffer(w).all,
                                bias: try d.makeBuffer(b).all, rows: rows, inDim: dims[j], outDim: outDim)
            let term = try d.download(out.all)
            sum = j == 0 ? term : zip(sum, term).map { $0 + $1 }
        }
        return sum
    }

    func summed(_ d: Device, _ values: [([Float], [Float], [Float])]) throws -> [Float] {
        let terms = try zip(values, dims).map { v, i in
            LinearTerm(inp: try d.makeBuffer(v.0).all, weight: try d.makeBuffer(v.1).all, bias: try d.makeBuffer(v.2).all, inDim: i)
        }
        let out = try d.makeBuffer(Array(repeating: Float.nan, count: rows * outDim))
        try d.linearSumForward(out: out.all, terms: terms, rows: rows, outDim: outDim)
        return try d.download(out.all)
    }

    func inputs() -> [([Float], [Float], [Float])] {
        var rng = SeededRandom(11)
        // Biases of 1..3 so that a bias added once per slice (4× for the split term) shows.
        return dims.map { i in (randomArray(rows * i, &rng), randomArray(outDim * i, &rng, in: -0.1...0.1),
                                randomArray(outDim, &rng, in: 1...3)) }
    }

    func testSwiftTwinIsTheSeparateLayersBitForBit() throws {
        let v = inputs()
        XCTAssertEqual(try summed(TestDevices.swift, v), try separate(TestDevices.swift, v))
    }

    func testOpenCLMatchesTheTwin() throws {
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found") }
        let v = inputs(), want = try separate(TestDevices.swift, v)
        let split = try Device(openCL: info.treatedAsGPU(computeUnits: 8))
        XCTAssertEqual(GEMMPlan.choose(m: rows, n: outDim, k: dims[0], computeUnits: 8).slices, 4,
                       "the long term must split K here, or the bias-once rule goes untested")
        for (d, label) in [(try Device(openCL: info), "PoCL"), (split, "GPU-shaped, 8 compute units"),
                           (try tensorCoreEmulator(), "tensor cores emulated")] {
            XCTAssertLessThanOrEqual(maxAbsDiff(try summed(d, v), want), 1e-4, label)
        }
    }

    func testRefusesNoTermsAndMismatchedSizes() throws {
        let d = TestDevices.swift
        let out = try d.makeBuffer(count: rows * outDim).all
        XCTAssertThrowsError(try d.linearSumForward(out: out, terms: [], rows: rows, outDim: outDim))
        let short = LinearTerm(inp: try d.makeBuffer(count: rows * 4 - 1).all, weight: try d.makeBuffer(count: outDim * 4).all,
                               bias: nil, inDim: 4)
        XCTAssertThrowsError(try d.linearSumForward(out: out, terms: [short], rows: rows, outDim: outDim))
    }
}
