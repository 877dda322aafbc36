import ArgumentParser
import Compute
import Foundation

// `nasdiff bench …`: measurements that go into Benchmarks/RESULTS.md. Other benchmarks (sampling,
// training) join as further subcommands.

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure how fast this machine runs the model's work.",
        subcommands: [BenchKernels.self, BenchSample.self, BenchTrain.self])
}

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Time the linear layer (GFLOP/s) at the model's shapes and the elementwise kernels (GB/s) on one device.")

    @Option(name: .long, help: "Device: cpu, swift, opencl, opencl:N, or part of a device name (env NASDIFF_DEVICE).")
    var device: String?

    @Option(name: .long, help: "Timed samples per kernel after one warm-up; the table gives their median, min and max.")
    var repetitions: Int = 10

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1 (got \(repetitions))") }
    }

    func run() throws {
        let d = try DeviceSelection.device(request: device)
        print("Device: \(d.name)")
        let rows = try KernelBench.run(device: d, repetitions: repetitions)
        let nameWidth = rows.map(\.name.count).max()! + 2, shapeWidth = rows.map(\.shape.count).max()! + 2
        print(pad("kernel", nameWidth) + pad("shape", shapeWidth) + pad("rate", 16, right: true)
              + pad("median ms", 11, right: true) + pad("min ms", 10, right: true)
              + pad("max ms", 10, right: true) + pad("spread", 8, right: true))
        for r in rows {
            print(pad(r.name, nameWidth) + pad(r.shape, shapeWidth)
                  + pad(String(format: "%.1f", r.rate) + " " + r.unit, 16, right: true)
                  + pad(String(format: "%.3f", r.medianMs), 11, right: true)
                  + pad(String(format: "%.3f", r.minMs), 10, right: true)
                  + pad(String(format: "%.3f", r.maxMs), 10, right: true)
                  + pad(String(format: "%.0f%%", r.spread * 100), 8, right: true))
        }
    }

    /// Pads to a column width counting characters, not bytes (shapes contain × and →).
    private func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(1, width - s.count))
        return right ? fill + s : s + fill
    }
}
