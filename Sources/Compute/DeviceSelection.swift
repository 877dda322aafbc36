import Foundation

// Which device runs the work. A GPU when there is one; otherwise the CPU path that measured fastest
// for this workload (see README "Devices"). `--device` and NASDIFF_DEVICE override:
//   swift            the pure-Swift backend
//   opencl           the first OpenCL device (gpu first)
//   opencl:N         OpenCL device N as numbered by `nasdiff devices`
//   any other text   the OpenCL device whose platform or name contains it (case-insensitive),
//                    e.g. "h100", "nvidia"; "pocl" names the Portable Computing Language platform

public enum DeviceSelection {
    public static let environmentVariable = Settings.Variable.device.rawValue

    /// The CPU path used when there is no GPU. Measured on a 2-core x86 machine (Benchmarks/RESULTS.md).
    public static let preferredCPUBackend: Device.Backend = .swift

    public struct Choice: Sendable {
        public let devices: [OpenCLDeviceInfo]
        /// nil = the Swift backend.
        public let chosen: Int?
        public let reason: String
    }

    /// Decides without creating a context. `request` is the --device flag; nil falls back to the
    /// environment variable, then to the default rule.
    public static func choose(request: String?, settings: Settings = .process) throws -> Choice {
        let all = try OpenCLDiscovery.devices()
        let env = settings.device
        let asked = (request?.isEmpty == false ? request : nil) ?? (env?.isEmpty == false ? env : nil)
        let names = ["swift", "opencl"] + all.enumerated().map { "opencl:\($0.offset) (\($0.element.name))" }
        if let asked {
            let a = asked.lowercased()
            let source = request != nil ? "--device \(asked)" : "\(environmentVariable)=\(asked)"
            if a == "swift" || a == "cpu" { return Choice(devices: all, chosen: nil, reason: "asked for by \(source)") }
            if a == "opencl" {
                guard let i = all.firstIndex(where: \.isGPU) ?? all.indices.first else {
                    throw ComputeError.unknownDevice(requested: asked, available: ["swift (no OpenCL device found)"])
                }
                return Choice(devices: all, chosen: i, reason: "asked for by \(source)")
            }
            if a.hasPrefix("opencl:"), let i = Int(a.dropFirst(7)) {
                guard all.indices.contains(i) else { throw ComputeError.unknownDevice(requested: asked, available: names) }
                return Choice(devices: all, chosen: i, reason: "asked for by \(source)")
            }
            let needle = a == "pocl" ? "portable computing language" : a
            if let i = all.firstIndex(where: { ($0.platform + " " + $0.name).lowercased().contains(needle) }) {
                return Choice(devices: all, chosen: i, reason: "asked for by \(source)")
            }
            throw ComputeError.unknownDevice(requested: asked, available: names)
        }
        if let gpu = all.firstIndex(where: \.isGPU) {
            return Choice(devices: all, chosen: gpu, reason: "default: first GPU")
        }
        if all.isEmpty {
            return Choice(devices: all, chosen: nil, reason: "default: no OpenCL driver found, using the Swift backend")
        }
        if preferredCPUBackend == .openCL {
            return Choice(devices: all, chosen: 0, reason: "default: no GPU; OpenCL on the CPU measured faster than the Swift backend")
        }
        return Choice(devices: all, chosen: nil, reason: "default: no GPU; the Swift backend measured faster than OpenCL on the CPU")
    }

    /// The device to run on.
    public static func device(request: String?, settings: Settings = .process) throws -> Device {
        let c = try choose(request: request, settings: settings)
        if let i = c.chosen { return try Device(openCL: c.devices[i], settings: settings) }
        return Device(settings: settings)
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
