import Foundation

// Every NASDIFF_* environment setting, read here and nowhere else. `Settings.process` is the process's
// environment, read once; a Device keeps the settings it was made with (tests make devices with their
// own), and the command line passes the data folder and default device on to the layers that use them.
// `nasdiff devices` shows the ones that differ from the defaults.

public struct Settings: Sendable {
    /// NASDIFF_DEVICE: the device when --device is not given (see DeviceSelection).
    public var device: String?
    /// NASDIFF_DATA: the data folder, before ./Data and Data/ above the executable.
    public var dataFolder: String?
    /// NASDIFF_KERNELS_DIR: .cl files read from this folder instead of the copies in the binary, to try
    /// kernel edits without a rebuild.
    public var kernelsDirectory: String?
    /// NASDIFF_THREADS: worker threads of the Swift backend (default: the active processors).
    public var threads: Int?
    /// NASDIFF_PROFILE=1: OpenCL queues keep every launch's event for per-kernel device time.
    public var profile = false
    /// NASDIFF_TENSOR_CORES=0: the float32 GEMMs even where tensor cores are available.
    public var tensorCores = true
    /// NASDIFF_TC_WARPS=MxN: warps per 64×64 tensor-core tile (M divides 4, N divides 8); default 2x2.
    public var tensorCoreWarps = (m: 2, n: 2)
    /// NASDIFF_TC_OPTIONS: extra build options for Kernels/linear_tc.cl (e.g. -cl-nv-verbose).
    public var tensorCoreOptions: String?
    /// NASDIFF_BUILD_LOG=1: every kernel build log on stderr (with -cl-nv-verbose: ptxas's registers).
    public var buildLog = false
    /// NASDIFF_GEMM_TILE=64|128: forces the float32 GPU GEMMs' tile edge.
    public var gemmTile: Int?
    /// NASDIFF_BATCHED_LINEAR=0: batched linears run member by member, to measure what batching gains.
    public var batchedLinear = true
    /// NASDIFF_FUSED_EDGE_ATTENTION=0: the edge linears and the attention stay apart on a GPU too.
    public var fusedEdgeAttention = true

    /// The defaults.
    public init() {}

    public init(environment: [String: String]) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        device = value("NASDIFF_DEVICE")
        dataFolder = value("NASDIFF_DATA")
        kernelsDirectory = value("NASDIFF_KERNELS_DIR")
        threads = value("NASDIFF_THREADS").flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        profile = value("NASDIFF_PROFILE") == "1"
        tensorCores = value("NASDIFF_TENSOR_CORES") != "0"
        let warps = (value("NASDIFF_TC_WARPS") ?? "").split(separator: "x").compactMap { Int($0) }
        if warps.count == 2, [1, 2, 4].contains(warps[0]), [1, 2, 4, 8].contains(warps[1]) { tensorCoreWarps = (warps[0], warps[1]) }
        tensorCoreOptions = value("NASDIFF_TC_OPTIONS")
        buildLog = value("NASDIFF_BUILD_LOG") == "1"
        gemmTile = value("NASDIFF_GEMM_TILE").flatMap(Int.init).flatMap { [64, 128].contains($0) ? $0 : nil }
        batchedLinear = value("NASDIFF_BATCHED_LINEAR") != "0"
        fusedEdgeAttention = value("NASDIFF_FUSED_EDGE_ATTENTION") != "0"
    }

    /// This process's environment, read once.
    public static let process = Settings(environment: ProcessInfo.processInfo.environment)

    /// The variable of each setting that differs from the default, with its value, in the order above.
    public var changed: [(variable: String, value: String)] {
        let d = Settings()
        var out: [(String, String)] = []
        if let device { out.append(("NASDIFF_DEVICE", device)) }
        if let dataFolder { out.append(("NASDIFF_DATA", dataFolder)) }
        if let kernelsDirectory { out.append(("NASDIFF_KERNELS_DIR", kernelsDirectory)) }
        if let threads { out.append(("NASDIFF_THREADS", "\(threads)")) }
        if profile != d.profile { out.append(("NASDIFF_PROFILE", "1")) }
        if tensorCores != d.tensorCores { out.append(("NASDIFF_TENSOR_CORES", "0")) }
        if tensorCoreWarps != d.tensorCoreWarps { out.append(("NASDIFF_TC_WARPS", "\(tensorCoreWarps.m)x\(tensorCoreWarps.n)")) }
        if let tensorCoreOptions { out.append(("NASDIFF_TC_OPTIONS", tensorCoreOptions)) }
        if buildLog != d.buildLog { out.append(("NASDIFF_BUILD_LOG", "1")) }
        if let gemmTile { out.append(("NASDIFF_GEMM_TILE", "\(gemmTile)")) }
        if batchedLinear != d.batchedLinear { out.append(("NASDIFF_BATCHED_LINEAR", "0")) }
        if fusedEdgeAttention != d.fusedEdgeAttention { out.append(("NASDIFF_FUSED_EDGE_ATTENTION", "0")) }
        return out
    }

    /// The names a message may tell a user to set.
    public static let deviceVariable = "NASDIFF_DEVICE", dataVariable = "NASDIFF_DATA", kernelsVariable = "NASDIFF_KERNELS_DIR"
}
