import ArgumentParser
import Compute

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the OpenCL platforms and devices found, which device would be used, and the NASDIFF_* settings in force.")

    @Option(name: .long, help: "Device to use: cpu, swift, opencl, opencl:N, or part of a device name (env NASDIFF_DEVICE).")
    var device: String?

    func run() throws {
        let choice = try DeviceSelection.choose(request: device)
        if choice.devices.isEmpty {
            print("No OpenCL platform found (clGetPlatformIDs: CL_PLATFORM_NOT_FOUND_KHR or no devices).")
        }
        for (i, d) in choice.devices.enumerated() {
            let mark = choice.chosen == i ? "*" : " "
            print("\(mark) opencl:\(i)  \(d.platform) / \(d.name)")
            print("      type \(d.isGPU ? "GPU" : "CPU"), \(d.computeUnits) compute units, global memory \(formatBytes(d.globalMemoryBytes)), local memory \(d.localMemoryBytes / 1024) KiB, \(d.openCLCVersion)")
            if let cc = d.nvidiaComputeCapability {
                print("      compute capability \(cc / 10).\(cc % 10), \(d.maxClockMHz) MHz"
                      + (d.fp32PeakTFLOPs.map { String(format: ", fp32 peak %.1f TFLOP/s", $0) } ?? "")
                      + (d.hasTensorCores ? ", GEMMs on tensor cores at float32 accuracy (3xTF32; NASDIFF_TENSOR_CORES=0 turns them off)" : ""))
            }
        }
        let cpu = Device(blasSettings: .process)
        print("\(choice.path == .cpu ? "*" : " ") cpu       " + (cpu.map { $0.name } ?? "(no BLAS loaded: the pure-Swift backend)"))
        print("\(choice.path == .swift ? "*" : " ") swift     the pure-Swift backend (\(Parallel.threads) threads), the reference")
        let using = switch choice.path {
            case .openCL(let i): "opencl:\(i) (\(choice.devices[i].name))"
            case .cpu: "cpu"
            case .swift: "swift"
        }
        print("Using: \(using) — \(choice.reason)")
        let changed = Settings.process.changed
        print("Settings: " + (changed.isEmpty ? "the defaults (no NASDIFF_* variable set)" : changed.map { "\($0.variable)=\($0.value)" }.joined(separator: " ")))
    }
}

