import XCTest
@testable import Compute

final class DeviceErrorTests: XCTestCase {
    func testAllocationBeyondMemoryIsAClearError() throws {
        // More floats than any machine has bytes: refused before any allocation is attempted.
        let huge = Int(ProcessInfo.processInfo.physicalMemory) / 2
        XCTAssertThrowsError(try Device().makeBuffer(count: huge)) { e in
            guard case ComputeError.outOfMemory = e else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("out of memory on Swift"), "\(e)")
        }
        let cl = try requireOpenCL()
        let tooMany = cl.openCLInfo!.maxAllocationBytes / 4 + 1
        XCTAssertThrowsError(try cl.makeBuffer(count: tooMany)) { e in
            guard case ComputeError.outOfMemory = e else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains("use a smaller --batch"), "\(e)")
        }
    }

    func testKernelThatFailsToBuildNamesTheFileAndShowsTheLog() throws {
        let cl = try requireOpenCL()
        let dir = NSTemporaryDirectory() + "nasdiff-badkernels-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "__kernel void fill(__global float* x, int x_off, float value, int n) { this is not C; }\n"
            .write(toFile: dir + "/elementwise.cl", atomically: true, encoding: .utf8)
        var settings = Settings()
        settings.kernelsDirectory = dir
        let fresh = try Device(openCL: cl.openCLInfo!, settings: settings)   // a new context compiles its programs anew
        let b = try fresh.makeBuffer(count: 4)
        XCTAssertThrowsError(try fresh.fill(b.all, 1)) { e in
            guard case ComputeError.kernelBuildFailed(let file, _, let log) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(file, "elementwise")
            XCTAssertFalse(log.isEmpty)
            XCTAssertTrue("\(e)".contains("elementwise.cl failed to build"), "\(e)")
        }
    }

    func testMissingKernelFileInOverrideFolderSaysWhere() throws {
        let cl = try requireOpenCL()
        var settings = Settings()
        settings.kernelsDirectory = "/nonexistent-kernels"
        let fresh = try Device(openCL: cl.openCLInfo!, settings: settings)
        let b = try fresh.makeBuffer(count: 4)
        XCTAssertThrowsError(try fresh.fill(b.all, 1)) { XCTAssertTrue("\($0)".contains("/nonexistent-kernels/elementwise.cl"), "\($0)") }
    }

    func testIncludesAreSplicedAndAMissingOneSaysWhere() throws {
        let linear = try KernelSources.source(of: "linear")
        XCTAssertTrue(linear.contains("inline float gemm_epilogue("), "linear.cl gets the shared GEMM epilogue")
        XCTAssertFalse(linear.split(separator: "\n").contains { $0.hasPrefix("#include") }, "no include line is left for the OpenCL compiler")
        let dir = NSTemporaryDirectory() + "nasdiff-includes-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "#include \"helpers.cl\"\n__kernel void k() {}\n".write(toFile: dir + "/main.cl", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try KernelSources.source(of: "main", directory: dir)) { XCTAssertTrue("\($0)".contains("/helpers.cl"), "\($0)") }
        try "#include \"main.cl\"\n".write(toFile: dir + "/helpers.cl", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try KernelSources.source(of: "main", directory: dir)) { XCTAssertTrue("\($0)".contains("main.cl is included twice"), "\($0)") }
    }

    func testUnknownDeviceListsWhatExists() {
        XCTAssertThrowsError(try DeviceSelection.choose(request: "tpu-v9")) { e in
            XCTAssertTrue("\(e)".contains("no device 'tpu-v9'; available: cpu, swift"), "\(e)")
        }
    }
}
