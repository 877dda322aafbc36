import COpenCL
import Foundation

// Per-kernel device time, for finding where a GPU run spends its time. Off by default: with
// NASDIFF_PROFILE=1 the queue is created with profiling enabled, every launch keeps its event, and the
// events are read back (start/end timestamps) whenever the queue is drained or 4,096 are pending.
// Entries are keyed by kernel name and global size, so one GEMM kernel at different shapes shows apart.

public struct KernelTime: Sendable {
    public let kernel: String
    public let calls: Int
    public let seconds: Double
}

final class KernelProfile: @unchecked Sendable {

    private var pending: [(String, cl_event)] = []
    private var totals: [String: (calls: Int, ns: UInt64)] = [:]

    func record(_ key: String, _ event: cl_event) throws {
        pending.append((key, event))
        if pending.count >= 4096 { try resolve() }
    }

    /// Reads the timestamps of every pending event (waiting for them) and releases them.
    func resolve() throws {
        guard !pending.isEmpty else { return }
        var events = pending.map { Optional($0.1) }
        try check(clWaitForEvents(cl_uint(events.count), &events), "clWaitForEvents")
        for (key, e) in pending {
            var start: cl_ulong = 0, end: cl_ulong = 0
            try check(clGetEventProfilingInfo(e, cl_profiling_info(CL_PROFILING_COMMAND_START), 8, &start, nil), "clGetEventProfilingInfo")
            try check(clGetEventProfilingInfo(e, cl_profiling_info(CL_PROFILING_COMMAND_END), 8, &end, nil), "clGetEventProfilingInfo")
            let t = totals[key] ?? (0, 0)
            totals[key] = (t.calls + 1, t.ns + (end &- start))
            clReleaseEvent(e)
        }
        pending.removeAll(keepingCapacity: true)
    }

    func snapshot() -> [KernelTime] {
        totals.map { KernelTime(kernel: $0.key, calls: $0.value.calls, seconds: Double($0.value.ns) / 1e9) }
            .sorted { $0.seconds > $1.seconds }
    }

    func reset() { totals.removeAll() }
}

extension Device {
    /// Device time per kernel since the last reset (empty unless NASDIFF_PROFILE=1 and OpenCL).
    public func kernelProfile(reset: Bool = false) throws -> [KernelTime] {
        guard let profile = cl?.profile else { return [] }
        try cl?.finish()
        defer { if reset { profile.reset() } }
        return profile.snapshot()
    }

    /// The profile as a table: kernel, calls, total ms, share (nil when profiling is off).
    public func kernelProfileTable(reset: Bool = false) throws -> String? {
        let rows = try kernelProfile(reset: reset)
        guard !rows.isEmpty else { return nil }
        let total = rows.reduce(0) { $0 + $1.seconds }
        var out = String(format: "kernel time (device, NASDIFF_PROFILE=1): %.1f ms in all\n", total * 1000)
        for r in rows.prefix(40) {
            out += String(format: "%10.2f ms %5.1f%% %8d calls  %@\n", r.seconds * 1000, 100 * r.seconds / total, r.calls, r.kernel)
        }
        return out
    }
}
