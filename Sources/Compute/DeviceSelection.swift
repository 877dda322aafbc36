import Foundation

// Which device runs the work. A GPU when there is one; otherwise the CPU path that measured fastest
// for this workload (see README "Devices"): the Swift ops with the system BLAS's matrix products where
// one loads, else the pure-Swift backend; OpenCL on the CPU (PoCL) runs this workload slower than both,
// so it is used only when asked for (numbers in Benchmarks/RESULTS.md).
// `--device` and NASDIFF_DEVICE override:
//   cpu              the CPU path (the Swift backend when no BLAS loads)
//   swift            the pure-Swift backend, the reference every other path is tested against
//   opencl           the first OpenCL device (gpu first)
//   opencl:N         OpenCL device N as numbered by `nasdiff devices`
//   any other text   the OpenCL device whose platform or name contains it (case-insensitive),
//                    e.g. "h100", "nvidia"; "pocl" names the Portable Computing Language platform

public enum DeviceSelection {
    public static let environmentVariable = Settings.Variable.device.rawValue

    public enum Path: Sendable, Equatable {
        /// OpenCL device i of `Choice.devices`.
        case openCL(Int)
        /// The Swift ops with the system BLAS's matrix products.
        case cpu
        /// The pure-Swift backend.
        case swift
    }

    public struct Choice: Sendable {
        public let devices: [OpenCLDeviceInfo]
        public let path: Path
        public let reason: String
        /// The OpenCL device chosen, if any.
        public var chosen: Int? { if case .openCL(let i) = path { return i } else { return nil } }
    }

    /// Decides without creating a context. `request` is the --device flag; nil falls back to the
    /// environment variable, then to the default rule.
    public static func choose(request: String?, settings: Settings = .process) throws -> Choice {
        let all = try OpenCLDiscovery.devices()
        let env = settings.device
        let asked = (request?.isEmpty == false ? request : nil) ?? (env?.isEmpty == false ? env : nil)
        let names = ["cpu", "swift", "opencl"] + all.enumerated().map { "opencl:\($0.offset) (\($0.element.name))" }
        let hasBLAS = BLAS.shared(settings) != nil
        let noBLAS = settings.blas == "off" ? "NASDIFF_BLAS=off" : "no BLAS found (tools/setup.sh installs OpenBLAS)"
        if let asked {
            let a = asked.lowercased()
            let source = request != nil ? "--device \(asked)" : "\(environmentVariable)=\(asked)"
            if a == "swift" { return Choice(devices: all, path: .swift, reason: "asked for by \(source)") }
            if a == "cpu" {
                return hasBLAS ? Choice(devices: all, path: .cpu, reason: "asked for by \(source)")
                    : Choice(devices: all, path: .swift, reason: "asked for by \(source); \(noBLAS), so the pure-Swift backend")
            }
            if a == "opencl" {
                guard let i = all.firstIndex(where: \.isGPU) ?? all.indices.first else {
                    throw ComputeError.unknownDevice(requested: asked, available: ["cpu", "swift (no OpenCL device found)"])
                }
                return Choice(devices: all, path: .openCL(i), reason: "asked for by \(source)")
            }
            if a.hasPrefix("opencl:"), let i = Int(a.dropFirst(7)) {
                guard all.indices.contains(i) else { throw ComputeError.unknownDevice(requested: asked, available: names) }
                return Choice(devices: all, path: .openCL(i), reason: "asked for by \(source)")
            }
            let needle = a == "pocl" ? "portable computing language" : a
            if let i = all.firstIndex(where: { ($0.platform + " " + $0.name).lowercased().contains(needle) }) {
                return Choice(devices: all, path: .openCL(i), reason: "asked for by \(source)")
            }
            throw ComputeError.unknownDevice(requested: asked, available: names)
        }
        if let gpu = all.firstIndex(where: \.isGPU) {
            return Choice(devices: all, path: .openCL(gpu), reason: "default: first GPU")
        }
        if hasBLAS {
            return Choice(devices: all, path: .cpu, reason: "default: no GPU; the CPU path with a BLAS measured fastest")
        }
        return Choice(devices: all, path: .swift,
                      reason: "default: no GPU and \(noBLAS); the Swift backend measured faster than OpenCL on the CPU")
    }

    /// The device to run on.
    public static func device(request: String?, settings: Settings = .process) throws -> Device {
        let c = try choose(request: request, settings: settings)
        switch c.path {
        case .openCL(let i): return try Device(openCL: c.devices[i], settings: settings)
        case .cpu: return Device(blasSettings: settings) ?? Device(settings: settings)
        case .swift: return Device(settings: settings)
        }
    }

    /// The devices a sampling run shards its batches over: a comma-separated list, "gpus" for every GPU,
    /// or — with neither a request nor the settings' device — every GPU when there are several; else
    /// the one device `device(request:)` picks.
    public static func shardDevices(request: String?, settings: Settings = .process) throws -> [Device] {
        if let request, request.contains(",") {
            return try request.split(separator: ",").map { try device(request: String($0), settings: settings) }
        }
        if request == "gpus" || (request == nil && settings.device == nil) {
            let gpus = try allGPUs(settings: settings)
            if gpus.count > 1 || (request == "gpus" && !gpus.isEmpty) { return gpus }
            if request == "gpus" { throw ComputeError.unknownDevice(requested: "gpus", available: ["swift (no OpenCL GPU found)"]) }
        }
        return [try device(request: request, settings: settings)]
    }

    /// Every OpenCL GPU, for sharding a batch across the GPUs of one box.
    public static func allGPUs(settings: Settings = .process) throws -> [Device] {
        try OpenCLDiscovery.devices().filter(\.isGPU).map { try Device(openCL: $0, settings: settings) }
    }
}
