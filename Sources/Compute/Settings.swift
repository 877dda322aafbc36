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
    /// NASDIFF_THREADS: worker threads of the Swift backend and the BLAS (default: the active processors).
    public var threads: Int?
    /// NASDIFF_BLAS: "off" (the CPU path without a BLAS), or the BLAS library to load (a file name or
    /// path exporting cblas_sgemm) instead of OpenBLAS.
    public var blas: String?
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

    /// The environment variables, each read into the setting of the same name above.
    public enum Variable: String, CaseIterable, Sendable {
        case device = "NASDIFF_DEVICE", dataFolder = "NASDIFF_DATA", kernelsDirectory = "NASDIFF_KERNELS_DIR"
        case threads = "NASDIFF_THREADS", blas = "NASDIFF_BLAS", profile = "NASDIFF_PROFILE", tensorCores = "NASDIFF_TENSOR_CORES"
        case tensorCoreWarps = "NASDIFF_TC_WARPS", tensorCoreOptions = "NASDIFF_TC_OPTIONS", buildLog = "NASDIFF_BUILD_LOG"
        case gemmTile = "NASDIFF_GEMM_TILE", batchedLinear = "NASDIFF_BATCHED_LINEAR", fusedEdgeAttention = "NASDIFF_FUSED_EDGE_ATTENTION"
    }

    public init(environment: [String: String]) {
        func value(_ v: Variable) -> String? { environment[v.rawValue].flatMap { $0.isEmpty ? nil : $0 } }
        device = value(.device)
        dataFolder = value(.dataFolder)
        kernelsDirectory = value(.kernelsDirectory)
        threads = value(.threads).flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        blas = value(.blas)
        profile = value(.profile) == "1"
        tensorCores = value(.tensorCores) != "0"
        let warps = (value(.tensorCoreWarps) ?? "").split(separator: "x").compactMap { Int($0) }
        if warps.count == 2, [1, 2, 4].contains(warps[0]), [1, 2, 4, 8].contains(warps[1]) { tensorCoreWarps = (warps[0], warps[1]) }
        tensorCoreOptions = value(.tensorCoreOptions)
        buildLog = value(.buildLog) == "1"
        gemmTile = value(.gemmTile).flatMap(Int.init).flatMap { [64, 128].contains($0) ? $0 : nil }
        batchedLinear = value(.batchedLinear) != "0"
        fusedEdgeAttention = value(.fusedEdgeAttention) != "0"
    }

    /// This process's environment, read once.
    public static let process = Settings(environment: ProcessInfo.processInfo.environment)

    /// The variable of each setting that differs from the default, with its value, in the order above.
    public var changed: [(variable: String, value: String)] {
        Variable.allCases.compactMap { v in changedValue(v).map { (v.rawValue, $0) } }
    }

    /// The variable's value when its setting is not the default.
    private func changedValue(_ v: Variable) -> String? {
        switch v {
        case .device: return device
        case .dataFolder: return dataFolder
        case .kernelsDirectory: return kernelsDirectory
        case .threads: return threads.map(String.init)
        case .blas: return blas
        case .profile: return profile ? "1" : nil
        case .tensorCores: return tensorCores ? nil : "0"
        case .tensorCoreWarps: return tensorCoreWarps == Settings().tensorCoreWarps ? nil : "\(tensorCoreWarps.m)x\(tensorCoreWarps.n)"
        case .tensorCoreOptions: return tensorCoreOptions
        case .buildLog: return buildLog ? "1" : nil
        case .gemmTile: return gemmTile.map(String.init)
        case .batchedLinear: return batchedLinear ? nil : "0"
        case .fusedEdgeAttention: return fusedEdgeAttention ? nil : "0"
        }
    }
}
