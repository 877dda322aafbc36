import XCTest
@testable import Compute

/// The Kernel table and the kernel files name the same kernels: every file of Kernels/ is built on
/// PoCL the way a tensor-core GPU builds it (the tensor-core file in its emulated form); each entry of
/// the table is a kernel its file's program holds, and every kernel the compiler reports is in the
/// table — a name no file defines, or a kernel no op names, fails here rather than at a launch.
final class KernelTableTests: XCTestCase {
    func testTableAndFilesNameTheSameKernels() throws {
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found: kernel table not checked") }
        let device = try Device(openCL: info.treatedAsTensorCoreGPU(), settings: Settings())
        let cl = try XCTUnwrap(device.cl)
        let table = Dictionary(grouping: Kernel.all, by: \.file).mapValues { Set($0.map(\.entry)) }
        XCTAssertEqual(Kernel.all.count, Set(Kernel.all).count, "no kernel listed twice")
        // A file's program holds its own kernels and those of the files it includes (reverse_step.cl
        // includes sampling.cl); files without a kernel of their own (gemm_epilogue.cl,
        // edge_attention.cl) are only included.
        var everyBuilt = Set<String>()
        for file in KernelSources.files where try KernelSources.source(of: file).contains("__kernel") || table[file] != nil {
            let built = Set(try cl.kernelNames(inFile: file))
            XCTAssertEqual((table[file] ?? []).subtracting(built), [], "\(file).cl does not define what the table says it does")
            everyBuilt.formUnion(built)
        }
        XCTAssertEqual(everyBuilt.subtracting(Kernel.all.map(\.entry)), [], "kernels no op names")
        XCTAssertEqual(Set(table.keys).subtracting(KernelSources.files), [], "files the table names that do not exist")
    }
}
