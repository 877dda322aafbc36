import XCTest
@testable import Compute

// `nasdiff selftest` is what a user runs on a new GPU; here its cases run on PoCL with the kernels the
// host picks for a CPU and with the GPU-shaped ones (tiled and batched GEMMs, the fused edge attention).
final class SelfTestTests: XCTestCase {
    func testEveryCasePassesWithGPUShapedKernelsOnPoCL() throws {
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found: self-test not run") }
        let device = try Device(openCL: info.treatedAsGPU())
        for result in try OpCase.all.map({ try $0.check(on: device) }) {
            XCTAssertTrue(result.passed, "\(result.name): max abs error \(result.maxAbsError) > \(result.tolerance)")
        }
    }
}

final class OpCaseTests: XCTestCase {
    /// The check itself: a case whose device output differs from the twin's by more than its
    /// tolerance fails, one within it passes.
    func testACheckFailsWhenTheDeviceDiffersFromTheTwin() throws {
        let device = try requireOpenCL()
        func offset(_ delta: Float) -> OpCase {
            OpCase("test", "offset \(delta)", tolerance: 1e-3) { d, g in
                let x = try OpCase.seeded(d, g * 8, seed: 1)
                return OpCase.Call(shape: "", work: nil, run: { if d.runsKernels { try d.axpby(x, x, a: 0, b: 1 + delta) } },
                                   outputs: { try d.download(x) })
            }
        }
        XCTAssertTrue(try offset(1e-5).check(on: device).passed)
        XCTAssertFalse(try offset(0.5).check(on: device).passed)
    }

    func testEveryOpHasCasesAndTheBenchmarkTimesTheScalingOnes() throws {
        let names = Set(OpCase.all.map(\.op))
        XCTAssertEqual(names.count, 14, "\(names.sorted())")
        XCTAssertEqual(Set(OpCase.all.map(\.fullName)).count, OpCase.all.count, "case names must be unique")
        // On the Swift backend the benchmark skips the GPU-kernel variants and the chains of ops.
        let timed = OpCase.all.filter { !$0.kernelsOnly }.filter { (try? $0.prepare(TestDevices.swift, 1).work) != nil }
        XCTAssertEqual(timed.map(\.fullName).filter { $0.hasPrefix("linear ") }.count, 12)
        XCTAssertTrue(timed.contains { $0.fullName == "edge attention apart" })
        XCTAssertFalse(timed.contains { $0.fullName == "edge attention fused" })
    }
}
