import XCTest
@testable import Compute

/// The NASDIFF_* variables as Settings reads them: each one's value, the defaults when unset or empty,
/// values out of range ignored (a typo must not change a measurement silently: `changed` lists only
/// what took effect), and a device keeps the settings it was made with.
final class SettingsTests: XCTestCase {
    func testEveryVariableAndItsDefault() {
        let defaults = Settings(environment: [:])
        XCTAssertTrue(defaults.changed.isEmpty)
        XCTAssertTrue(defaults.tensorCores && defaults.batchedLinear && defaults.fusedEdgeAttention && !defaults.profile)
        XCTAssertTrue(defaults.tensorCoreWarps == (2, 2))

        let set = Settings(environment: [
            "NASDIFF_DEVICE": "opencl:1", "NASDIFF_DATA": "/d", "NASDIFF_KERNELS_DIR": "/k", "NASDIFF_THREADS": "3",
            "NASDIFF_BLAS": "off", "NASDIFF_PROFILE": "1", "NASDIFF_TENSOR_CORES": "0", "NASDIFF_TC_WARPS": "2x4", "NASDIFF_TC_OPTIONS": "-DTC_BK=16",
            "NASDIFF_BUILD_LOG": "1", "NASDIFF_GEMM_TILE": "128", "NASDIFF_BATCHED_LINEAR": "0", "NASDIFF_FUSED_EDGE_ATTENTION": "0",
        ])
        XCTAssertEqual(set.changed.map(\.variable), [
            "NASDIFF_DEVICE", "NASDIFF_DATA", "NASDIFF_KERNELS_DIR", "NASDIFF_THREADS", "NASDIFF_BLAS", "NASDIFF_PROFILE",
            "NASDIFF_TENSOR_CORES",
            "NASDIFF_TC_WARPS", "NASDIFF_TC_OPTIONS", "NASDIFF_BUILD_LOG", "NASDIFF_GEMM_TILE", "NASDIFF_BATCHED_LINEAR",
            "NASDIFF_FUSED_EDGE_ATTENTION",
        ])
        XCTAssertEqual(set.device, "opencl:1")
        XCTAssertEqual(set.threads, 3)
        XCTAssertEqual(set.blas, "off")
        XCTAssertTrue(set.tensorCoreWarps == (2, 4))
        XCTAssertEqual(set.gemmTile, 128)
        XCTAssertFalse(set.tensorCores || set.batchedLinear || set.fusedEdgeAttention)
    }

    func testValuesOutOfRangeAreIgnored() {
        let odd = Settings(environment: ["NASDIFF_THREADS": "0", "NASDIFF_TC_WARPS": "3x3", "NASDIFF_GEMM_TILE": "96", "NASDIFF_DEVICE": ""])
        XCTAssertTrue(odd.changed.isEmpty, "\(odd.changed)")
        XCTAssertNil(odd.threads)
        XCTAssertNil(odd.device)
    }

    func testADeviceKeepsItsSettings() {
        var s = Settings()
        s.kernelsDirectory = "/somewhere"
        XCTAssertEqual(Device(settings: s).settings.kernelsDirectory, "/somewhere")
        XCTAssertNil(Device(settings: Settings()).settings.kernelsDirectory)
    }
}
