import XCTest
@testable import Compute

// `nasdiff selftest` is what a user runs on a new GPU; here its cases run on PoCL with the kernels the
// host picks for a CPU and with the GPU-shaped ones (tiled and batched GEMMs, the fused edge attention).
final class SelfTestTests: XCTestCase {
    func testEveryCasePassesWithGPUShapedKernelsOnPoCL() throws {
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found: self-test not run") }
        for result in try SelfTest.run(on: try Device(openCL: info.treatedAsGPU())) {
            XCTAssertTrue(result.passed, "\(result.name): max abs error \(result.maxAbsError) > \(result.tolerance)")
        }
    }
}
