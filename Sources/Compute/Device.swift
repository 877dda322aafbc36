import Foundation

// A Device runs the ops. Three backends: OpenCL (a GPU, or PoCL on the CPU), the pure-Swift twin,
// and the CPU path: the twin with a system BLAS for its matrix products (BLAS.swift).
// Each op lives in its own file under Ops/ as an extension of Device that switches on the backend:
// the Swift twin is the oracle the OpenCL kernels and the BLAS path are tested against (llm.c's
// dev/cuda/ idea).

public final class Device: @unchecked Sendable, CustomStringConvertible {
    public enum Backend: String, Sendable { case swift, cpu, openCL }

    public let backend: Backend
    /// Human name, e.g. "Swift (2 threads)" or "NVIDIA CUDA / NVIDIA H100 80GB HBM3".
    public let name: String
    public let isGPU: Bool
    let cl: CLContext?
    /// The CPU path's matrix products (nil: the twin's own GEMM, or OpenCL).
    let blas: BLAS?
    /// The NASDIFF_* settings it was made with.
    public let settings: Settings
    /// Whether OpenCL kernels run the ops.
    public var runsKernels: Bool { cl != nil }
    /// The pure-Swift twin, every op's reference: a self-test on it would compare it with itself.
    public var isReference: Bool { backend == .swift }

    /// The pure-Swift backend: always available.
    public init(settings: Settings = .process) {
        self.settings = settings
        backend = .swift
        name = "Swift (\(Parallel.threads) threads)"
        isGPU = false
        cl = nil
        blas = nil
    }

    /// The CPU path: the Swift twin with the system BLAS's matrix products; nil when no BLAS loads
    /// (none installed, or NASDIFF_BLAS=off).
    public init?(blasSettings settings: Settings) {
        guard let blas = BLAS.shared(settings) else { return nil }
        self.settings = settings
        backend = .cpu
        name = "CPU: Swift with \(blas.name) (\(Parallel.threads) threads)"
        isGPU = false
        cl = nil
        self.blas = blas
    }

    /// An OpenCL device.
    public init(openCL info: OpenCLDeviceInfo, settings: Settings = .process) throws {
        self.settings = settings
        backend = .openCL
        name = "\(info.platform) / \(info.name)"
        isGPU = info.isGPU
        cl = try CLContext(info, settings: settings)
        blas = nil
    }

    public var description: String { name }

    public var openCLInfo: OpenCLDeviceInfo? { cl?.info }

    // MARK: buffers

    public func makeBuffer(count: Int) throws -> Buffer {
        guard count >= 0 else { throw ComputeError.invalidSize(op: "makeBuffer", detail: "count \(count) < 0") }
        if let cl {
            return Buffer(count: count, device: self, host: nil, mem: try cl.allocate(count: count))
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 4)
        let physical = Int(ProcessInfo.processInfo.physicalMemory)
        if overflow || bytes > physical {
            throw ComputeError.outOfMemory(device: name, requestedBytes: bytes, availableBytes: physical)
        }
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
        return Buffer(count: count, device: self, host: p, mem: nil)
    }

    /// A new buffer holding `values`.
    public func makeBuffer(_ values: [Float]) throws -> Buffer {
        let b = try makeBuffer(count: values.count)
        try upload(values, to: b.all)
        return b
    }

    public func upload(_ values: [Float], to view: View) throws {
        guard values.count == view.count else {
            throw ComputeError.invalidSize(op: "upload", detail: "\(values.count) values into a view of \(view.count)")
        }
        if values.isEmpty { return }   // an empty array may have no base address
        try values.withUnsafeBytes { raw in
            if let cl { try cl.write(raw.baseAddress!, to: view) }
            else if view.count > 0 { view.ptr.p.update(from: raw.bindMemory(to: Float.self).baseAddress!, count: view.count) }
        }
    }

    public func download(_ view: View) throws -> [Float] {
        var out = [Float](repeating: 0, count: view.count)
        try out.withUnsafeMutableBytes { raw in
            if let cl { try cl.read(view, into: raw.baseAddress!) }
            else if view.count > 0 { raw.bindMemory(to: Float.self).baseAddress!.update(from: view.ptr.p, count: view.count) }
        }
        return out
    }

    public func copy(from src: View, to dst: View) throws {
        guard src.count == dst.count else {
            throw ComputeError.invalidSize(op: "copy", detail: "\(src.count) floats into \(dst.count)")
        }
        if let cl { try cl.copy(from: src, to: dst) }
        else if src.count > 0 { dst.ptr.p.update(from: src.ptr.p, count: src.count) }
    }

    /// Waits until every queued op has finished (no-op for the Swift backend).
    public func synchronize() throws { try cl?.finish() }
}

/// Checks shared by every op: a view must hold at least what the sizes say.
@inline(__always)
func require(_ op: String, _ view: View, _ needed: Int, _ what: String) throws {
    if needed < 0 || view.count < needed {
        throw ComputeError.invalidSize(op: op, detail: "\(what) holds \(view.count) floats, needs \(needed)")
    }
}

@inline(__always)
func requirePositive(_ op: String, _ values: (String, Int)...) throws {
    for (name, v) in values where v <= 0 {
        throw ComputeError.invalidSize(op: op, detail: "\(name) = \(v), must be > 0")
    }
}
