import XCTest
@testable import Compute

/// The fp32 peak that `bench sample/train` divide by, from SMs, lanes per SM and boost clock, against
/// the datasheet figures of GPUs whose drivers report those numbers.
final class FP32PeakTests: XCTestCase {
    func testPeaksMatchDatasheets() {
        // (compute capability, SMs, boost MHz, datasheet TFLOP/s)
        let gpus: [(String, Int, Int, Int, Double)] = [
            ("H100 SXM", 90, 132, 1980, 66.9), ("H100 PCIe", 90, 114, 1755, 51.2), ("A100", 80, 108, 1410, 19.5),
            ("RTX 4090", 89, 128, 2520, 82.6), ("V100 SXM2", 70, 80, 1530, 15.7),
        ]
        for (name, cc, sms, mhz, datasheet) in gpus {
            let peak = OpenCLDeviceInfo.nvidiaFP32PeakTFLOPs(computeCapability: cc, multiprocessors: sms, clockMHz: mhz)
            XCTAssertEqual(peak ?? 0, datasheet, accuracy: 0.1, name)
        }
        XCTAssertNil(OpenCLDeviceInfo.nvidiaFP32PeakTFLOPs(computeCapability: 50, multiprocessors: 16, clockMHz: 1000), "an unlisted architecture")
    }

    func testNoPeakWithoutNVIDIAsAttributes() throws {
        for info in try OpenCLDiscovery.devices() where info.nvidiaComputeCapability == nil {
            XCTAssertNil(info.fp32PeakTFLOPs, info.name)
        }
    }
}
