import Foundation
import XCTest
@testable import Compute

// The kernel files as text: the binary carries the current ones, and the code that only an NVIDIA
// GPU compiles (the tensor-core GEMMs, the DEVICE_IS_GPU branches) is at least type-checked here.
final class KernelSourceTests: XCTestCase {
    /// The binary carries every kernel file as it is now (a file missing from the table would be missing
    /// on a GPU machine).
    func testEmbeddedKernelsMatchKernelsFolder() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("Kernels")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".cl") }
        XCTAssertEqual(Set(files.map { String($0.dropLast(3)) }), Set(KernelSources.embedded.keys), "KernelSources.embedded lists every file of Kernels/")
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            XCTAssertEqual(KernelSources.embedded[String(f.dropLast(3))], text, "\(f) differs from its embedded copy")
        }
    }

    /// PoCL builds every file with DEVICE_IS_GPU=0 and without tensor cores, so a slip in the GPU-only
    /// code would first show on a GPU machine. Clang (shipped with the Swift toolchain) parses OpenCL C
    /// for NVIDIA's PTX target with the options the host passes there; inline PTX is checked for its
    /// operands and constraints, not its text, which only ptxas assembles (tools/ptx-check.py does, where
    /// llvmlite and ptxas are installed).
    func testEveryKernelFileTypeChecksForNVIDIAGPUs() throws {
        guard let clang = Self.findExecutable("clang") else { throw XCTSkip("clang not on PATH: NVIDIA-only kernel code not type-checked") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nasdiff-nvptx-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The tensor-core file also with the build option NASDIFF_TC_OPTIONS may set: 16-deep slabs.
        let variants = ["linear_tc": [["-DTC_BK=16"]]]
        for file in KernelSources.files {
            let path = dir.appendingPathComponent(file + ".cl")
            try KernelSources.source(of: file).write(to: path, atomically: true, encoding: .utf8)
            for options in [[]] + (variants[file] ?? []) {
                let p = Process()
                p.executableURL = clang
                // OpenCL C has no `asm` keyword in clang; NVIDIA's compiler accepts it as GNU C does.
                p.arguments = ["-x", "cl", "-cl-std=CL1.2", "-fsyntax-only", "-target", "nvptx64-nvidia-nvcl", "-Dasm=__asm__",
                               "-DDEVICE_IS_GPU=1", "-DNVIDIA_TENSOR_CORES=1"] + options + [path.path]
                let errors = Pipe()
                p.standardError = errors
                try p.run()
                let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                XCTAssertEqual(p.terminationStatus, 0, "\(file).cl \(options) does not type-check for NVIDIA GPUs:\n\(log)")
            }
        }
    }

    static func findExecutable(_ name: String) -> URL? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }
}
