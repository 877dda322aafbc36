import Foundation

// Kernel sources are the files in Kernels/*.cl. A release binary is copied alone to GPU machines
// with no checkout, so it carries them inside itself: SwiftPM compiles them into the Compute module
// (`resources: [.embedInCode("Kernels")]`, through the link Sources/Compute/Kernels). NASDIFF_KERNELS_DIR
// points at a folder of .cl files to try kernel edits without a rebuild.

public enum KernelSources {
    /// The source of `file`.cl with every line `#include "NAME.cl"` replaced by NAME's source (shared
    /// helpers such as the GEMM epilogue live in one file). Spliced here because a program is built from
    /// one string, and the OpenCL compiler has no search path for our files, embedded or not.
    /// `directory`: a folder to read .cl files from instead of the embedded copies (Settings.kernelsDirectory).
    static func source(of file: String, directory: String? = nil) throws -> String {
        var text = try rawSource(of: file, directory: directory)
        var included: Set<String> = [file]
        while let range = text.range(of: #"(?m)^#include "([A-Za-z0-9_]+)\.cl"[ \t]*$"#, options: .regularExpression) {
            let line = String(text[range])
            let name = String(line.split(separator: "\"")[1].dropLast(3))
            guard included.insert(name).inserted else {
                throw ComputeError.kernelBuildFailed(file: file, device: "(any)", log: "\(name).cl is included twice")
            }
            text.replaceSubrange(range, with: try rawSource(of: name, directory: directory))
        }
        return text
    }

    private static func rawSource(of file: String, directory: String?) throws -> String {
        if let dir = directory {
            let path = URL(fileURLWithPath: dir).appendingPathComponent(file + ".cl").path
            if let text = try? String(contentsOfFile: path, encoding: .utf8) { return text }
            throw ComputeError.kernelNotFound(file: path, kernel: "(whole file; \(Settings.Variable.kernelsDirectory.rawValue)=\(dir))")
        }
        guard let text = embedded[file] else { throw ComputeError.kernelNotFound(file: file, kernel: "(whole file)") }
        return text
    }

    /// Names of the embedded kernel files, without extension.
    public static var files: [String] { embedded.keys.sorted() }

    /// Every file of Kernels/ by name (SwiftPM names each one's bytes after the file; a test checks
    /// that this table lists them all).
    static let embedded: [String: String] = [
        "adamw": PackageResources.adamw_cl,
        "attention": PackageResources.attention_cl,
        "concat": PackageResources.concat_cl,
        "crossentropy": PackageResources.crossentropy_cl,
        "edge_attention": PackageResources.edge_attention_cl,
        "elementwise": PackageResources.elementwise_cl,
        "film": PackageResources.film_cl,
        "gemm_epilogue": PackageResources.gemm_epilogue_cl,
        "layernorm": PackageResources.layernorm_cl,
        "linear": PackageResources.linear_cl,
        "linear_tc": PackageResources.linear_tc_cl,
        "masks": PackageResources.masks_cl,
        "pooling": PackageResources.pooling_cl,
        "reverse_step": PackageResources.reverse_step_cl,
        "row_mask": PackageResources.row_mask_cl,
        "sampling": PackageResources.sampling_cl,
        "symmetrize": PackageResources.symmetrize_cl,
        "tc_staging": PackageResources.tc_staging_cl,
    ].mapValues { String(decoding: $0, as: UTF8.self) }
}
