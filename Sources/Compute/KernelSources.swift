import Foundation

// Kernel sources are the files in Kernels/*.cl. A release binary is copied alone to GPU machines
// with no checkout, so it carries them inside itself: tools/embed-kernels.sh writes them into
// KernelSources+Embedded.swift (a test fails when that file is stale). NASDIFF_KERNELS_DIR points
// at a folder of .cl files to try kernel edits without a rebuild.

public enum KernelSources {
    public static let overrideVariable = "NASDIFF_KERNELS_DIR"

    static func source(of file: String) throws -> String {
        if let dir = ProcessInfo.processInfo.environment[overrideVariable], !dir.isEmpty {
            let path = URL(fileURLWithPath: dir).appendingPathComponent(file + ".cl").path
            if let text = try? String(contentsOfFile: path, encoding: .utf8) { return text }
            throw ComputeError.kernelNotFound(file: path, kernel: "(whole file; \(overrideVariable)=\(dir))")
        }
        guard let text = embedded[file] else { throw ComputeError.kernelNotFound(file: file, kernel: "(whole file)") }
        return text
    }

    /// Names of the embedded kernel files, without extension.
    public static var files: [String] { embedded.keys.sorted() }
}
