import Foundation

// Times the op cases (OpCase.swift) at the model's shapes on one device (`nasdiff bench kernels`):
// GEMMs in GFLOP/s, the rest in GB/s. Every op is run once to warm up (kernel builds,
// first-touch page faults), then enough times back to back per sample that a sample lasts ≥ 2 ms,
// so launch latency does not dominate fast GPU kernels; the device is synchronized around each sample.

public enum KernelBench {
    public struct Row: Sendable {
        public let name: String
        /// e.g. "24576×128→512" (rows × in → out) or "12288K floats".
        public let shape: String
        /// GFLOP/s or GB/s (see `unit`), from the median time.
        public let rate: Double
        public let unit: String
        public let medianMs: Double
        public let minMs: Double
        public let maxMs: Double
        /// (max − min) / median over the samples.
        public var spread: Double { medianMs > 0 ? (maxMs - minMs) / medianMs : 0 }
    }

    /// Every op case that has a work count, at the training batch's size (`OpCase.benchGraphs`);
    /// variants of GPU kernels only where kernels run.
    public static func run(device: Device, repetitions: Int) throws -> [Row] {
        let reps = max(1, repetitions)
        var rows: [Row] = []
        for c in OpCase.all where device.runsKernels || !c.kernelsOnly {
            // Whether a case is timed shows at the small size; only timed ones are built at full size.
            guard try c.prepare(device, OpCase.checkGraphs).work != nil else { continue }
            let call = try c.prepare(device, OpCase.benchGraphs)
            guard let work = call.work else { continue }
            let t = try time(device, reps, call.run)
            let (amount, unit) = switch work {
                case .flops(let f): (f / 1e9, "GFLOP/s")
                case .bytes(let b): (b / 1e9, "GB/s")
            }
            rows.append(Row(name: c.fullName, shape: call.shape, rate: amount / (t.median / 1e3), unit: unit,
                            medianMs: t.median, minMs: t.min, maxMs: t.max))
        }
        return rows
    }

    /// Milliseconds per call: (median, min, max) over `repetitions` samples.
    static func time(_ d: Device, _ repetitions: Int, _ body: () throws -> Void) throws -> (median: Double, min: Double, max: Double) {
        func sample(_ calls: Int) throws -> Double {
            try d.synchronize()
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { try body() }
            try d.synchronize()
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(calls)
        }
        _ = try sample(1)                                   // warm-up
        let once = max(try sample(1), 1e-4)
        let calls = min(1000, max(1, Int((2.0 / once).rounded(.up))))
        var ms = try (0..<repetitions).map { _ in try sample(calls) }
        ms.sort()
        let mid = ms.count / 2
        let median = ms.count % 2 == 1 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2
        return (median, ms.first!, ms.last!)
    }
}
