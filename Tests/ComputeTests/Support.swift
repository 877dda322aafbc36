import XCTest
@testable import Compute

// Shared test helpers: the two backends, seeded data, gradient comparison, error reporting
// (finite differences themselves are in TestSupport, which ModelTests uses too).

enum TestDevices {
    static let swift = Device()

    /// The first OpenCL device (PoCL here); nil when there is no OpenCL driver.
    static let openCL: Device? = {
        guard let info = (try? OpenCLDiscovery.devices())?.first else { return nil }
        return try? Device(openCL: info)
    }()

    static let tensorCoreEmulator: Device? = {
        guard let info = (try? OpenCLDiscovery.devices())?.first else { return nil }
        return try? Device(openCL: info.treatedAsTensorCoreGPU())
    }()
}

/// The OpenCL device, or an XCTSkip that says why the parity test did not run.
func requireOpenCL() throws -> Device {
    guard let d = TestDevices.openCL else {
        throw XCTSkip("no OpenCL device found (install pocl-opencl-icd, or unset OCL_ICD_VENDORS): OpenCL parity test skipped")
    }
    return d
}

/// The tensor-core kernels (Kernels/linear_tc.cl) in their emulated form on the OpenCL device. The
/// products are plain float32, so only the fragment loads and the mma instruction are left to
/// `nasdiff selftest` on an NVIDIA GPU.
/// One device for all tests, so that PoCL compiles the emulated kernels (seconds) once.
func tensorCoreEmulator() throws -> Device {
    guard let d = TestDevices.tensorCoreEmulator else {
        throw XCTSkip("no OpenCL device found: tensor-core kernels not emulated")
    }
    return d
}

/// Seeded data: the same on every run.
typealias SeededRandom = SplitMix64

func randomArray(_ n: Int, _ rng: inout SeededRandom, in range: ClosedRange<Float> = -1...1) -> [Float] {
    (0..<n).map { _ in Float.random(in: range, using: &rng) }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}

/// Asserts analytic ≈ numeric with a tolerance relative to the gradient's scale.
func assertGradientsClose(_ analytic: [Float], _ numeric: [Int: Double], tolerance: Double = 1e-2,
                          _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    let scale = max(1e-3, numeric.values.map { abs($0) }.max() ?? 1)
    var worst = 0.0, worstIndex = -1
    for (i, g) in numeric {
        let e = abs(Double(analytic[i]) - g) / scale
        if e > worst { worst = e; worstIndex = i }
    }
    XCTAssertLessThan(worst, tolerance, "\(what): worst relative error \(worst) at index \(worstIndex) (analytic \(worstIndex >= 0 ? analytic[worstIndex] : 0), numeric \(worstIndex >= 0 ? numeric[worstIndex]! : 0))", file: file, line: line)
}

/// Sum of out·w in Double: the scalar whose gradient w.r.t. `out` is `w`.
func dot(_ a: [Float], _ w: [Float]) -> Double {
    var s = 0.0
    for i in a.indices { s += Double(a[i]) * Double(w[i]) }
    return s
}

/// The op's cases (the ones `nasdiff selftest` runs) on PoCL with the kernels the host picks for a
/// CPU, each against the Swift twin within its tolerance.
func assertCasesMatchTheTwin(_ cases: [OpCase], file: StaticString = #filePath, line: UInt = #line) throws {
    let device = try requireOpenCL()
    XCTAssertFalse(cases.isEmpty, file: file, line: line)
    for c in cases {
        let r = try c.check(on: device)
        XCTAssertTrue(r.passed, "\(r.name): max abs error \(r.maxAbsError) > \(r.tolerance)", file: file, line: line)
    }
}
