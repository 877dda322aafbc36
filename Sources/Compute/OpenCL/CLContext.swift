import COpenCL
import Foundation

// One OpenCL context + in-order queue on one device, with programs compiled once per process and
// kernels cached by name. Host scheduling is single-threaded; the lock only guards the caches.

final class CLMemory: @unchecked Sendable {
    let mem: cl_mem
    init(_ mem: cl_mem) { self.mem = mem }
    deinit { clReleaseMemObject(mem) }
}

/// A kernel argument. `.view` expands to TWO kernel parameters: the buffer and its int offset
/// in floats — every buffer parameter of every kernel in Kernels/ is followed by its offset.
enum CLArg {
    case view(View)
    case int(Int)
    case float(Float)
    /// Work-group local memory of this many bytes.
    case local(Int)
}

final class CLContext: @unchecked Sendable {
    let info: OpenCLDeviceInfo
    let context: cl_context
    let queue: cl_command_queue
    private let lock = NSLock()
    private var programs: [String: cl_program] = [:]
    private var kernels: [String: cl_kernel] = [:]
    let settings: Settings
    /// Per-kernel device time; nil unless `settings.profile`.
    let profile: KernelProfile?
    /// Kernels enqueued so far (tests check that fused and batched paths take the launches they claim).
    private(set) var launches = 0

    init(_ info: OpenCLDeviceInfo, settings: Settings) throws {
        self.info = info
        self.settings = settings
        var rc: cl_int = 0
        var dev: cl_device_id? = info.id
        guard let ctx = clCreateContext(nil, 1, &dev, nil, nil, &rc), rc == CL_SUCCESS else {
            throw ComputeError.openCL(call: "clCreateContext", code: rc)
        }
        context = ctx
        profile = settings.profile ? KernelProfile() : nil
        let properties = cl_command_queue_properties(profile == nil ? 0 : CL_QUEUE_PROFILING_ENABLE)
        guard let q = clCreateCommandQueue(ctx, info.id, properties, &rc), rc == CL_SUCCESS else {
            clReleaseContext(ctx)
            throw ComputeError.openCL(call: "clCreateCommandQueue", code: rc)
        }
        queue = q
    }

    deinit {
        try? profile?.resolve()
        for k in kernels.values { clReleaseKernel(k) }
        for p in programs.values { clReleaseProgram(p) }
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }

    // MARK: memory

    func allocate(count: Int) throws -> CLMemory {
        let bytes = max(count, 1) * 4
        if bytes > info.maxAllocationBytes {
            throw ComputeError.outOfMemory(device: info.name, requestedBytes: bytes, availableBytes: info.maxAllocationBytes)
        }
        var rc: cl_int = 0
        guard let m = clCreateBuffer(context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &rc), rc == CL_SUCCESS else {
            if rc == CL_MEM_OBJECT_ALLOCATION_FAILURE || rc == CL_OUT_OF_RESOURCES || rc == CL_INVALID_BUFFER_SIZE {
                throw ComputeError.outOfMemory(device: info.name, requestedBytes: bytes, availableBytes: info.globalMemoryBytes)
            }
            throw ComputeError.openCL(call: "clCreateBuffer", code: rc)
        }
        // Zero it, as the Swift backend does: optimizer moments and accumulating gradients rely on it.
        var zero: Float = 0
        try check(clEnqueueFillBuffer(queue, m, &zero, 4, 0, bytes, 0, nil, nil), "clEnqueueFillBuffer")
        return CLMemory(m)
    }

    func write(_ src: UnsafeRawPointer, to view: View) throws {
        guard view.count > 0 else { return }
        try check(clEnqueueWriteBuffer(queue, view.buffer.mem!.mem, cl_bool(CL_TRUE), view.offset * 4, view.count * 4, src, 0, nil, nil),
                  "clEnqueueWriteBuffer")
    }

    func read(_ view: View, into dst: UnsafeMutableRawPointer) throws {
        guard view.count > 0 else { return }
        try check(clEnqueueReadBuffer(queue, view.buffer.mem!.mem, cl_bool(CL_TRUE), view.offset * 4, view.count * 4, dst, 0, nil, nil),
                  "clEnqueueReadBuffer")
    }

    func copy(from src: View, to dst: View) throws {
        guard src.count > 0 else { return }
        try check(clEnqueueCopyBuffer(queue, src.buffer.mem!.mem, dst.buffer.mem!.mem, src.offset * 4, dst.offset * 4, src.count * 4, 0, nil, nil),
                  "clEnqueueCopyBuffer")
    }

    func finish() throws {
        try check(clFinish(queue), "clFinish")
        try profile?.resolve()
    }

    /// Whether the GEMMs run on tensor cores (Kernels/linear_tc.cl): an sm_80+ NVIDIA GPU whose
    /// compiler accepts the inline PTX, unless the settings turn them off. A build failure is not an error:
    /// it is reported once on stderr and the float32 kernels of linear.cl are used instead.
    private(set) lazy var tensorCoreGEMM: Bool = {
        guard info.hasTensorCores, settings.tensorCores else { return false }
        do {
            _ = try kernel(.gemmTensorCores("nt"))
            return true
        } catch {
            FileHandle.standardError.write(Data("note: tensor-core GEMMs unavailable on \(info.name), using the float32 kernels: \(String(describing: error).prefix(4000))\n".utf8))
            return false
        }
    }()

    /// Work-items per tensor-core group: 32 per warp of the tile (Kernels/linear_tc.cl).
    var tensorCoreThreads: Int { 32 * settings.tensorCoreWarps.m * settings.tensorCoreWarps.n }

    // MARK: programs and kernels

    /// Compiles the kernel's file (once per context) and returns the kernel.
    func kernel(_ kernel: Kernel) throws -> cl_kernel {
        lock.lock(); defer { lock.unlock() }
        let key = kernel.file + "/" + kernel.entry
        if let k = kernels[key] { return k }
        let program = try programLocked(kernel.file)
        var rc: cl_int = 0
        guard let k = clCreateKernel(program, kernel.entry, &rc), rc == CL_SUCCESS else {
            if rc == CL_INVALID_KERNEL_NAME { throw ComputeError.kernelNotFound(file: kernel.file, kernel: kernel.entry) }
            throw ComputeError.openCL(call: "clCreateKernel(\(kernel.entry))", code: rc)
        }
        kernels[key] = k
        return k
    }

    /// The entry points of every kernel in `file`.cl, as the compiler built them (for the test that
    /// the Kernel table and the files agree).
    func kernelNames(inFile file: String) throws -> [String] {
        lock.lock(); defer { lock.unlock() }
        let program = try programLocked(file)
        var count: cl_uint = 0
        try check(clCreateKernelsInProgram(program, 0, nil, &count), "clCreateKernelsInProgram(\(file))")
        var made = [cl_kernel?](repeating: nil, count: Int(count))
        try check(clCreateKernelsInProgram(program, count, &made, nil), "clCreateKernelsInProgram(\(file))")
        defer { for k in made { if let k { clReleaseKernel(k) } } }
        return try made.compactMap { $0 }.map { k in
            var size = 0
            try check(clGetKernelInfo(k, cl_kernel_info(CL_KERNEL_FUNCTION_NAME), 0, nil, &size), "clGetKernelInfo")
            var bytes = [CChar](repeating: 0, count: size)
            try check(clGetKernelInfo(k, cl_kernel_info(CL_KERNEL_FUNCTION_NAME), size, &bytes, nil), "clGetKernelInfo")
            return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    private func programLocked(_ file: String) throws -> cl_program {
        if let p = programs[file] { return p }
        let source = try KernelSources.source(of: file, directory: settings.kernelsDirectory)
        var rc: cl_int = 0
        let program: cl_program? = source.withCString { cstr in
            var ptr: UnsafePointer<CChar>? = cstr
            var len = strlen(cstr)
            return clCreateProgramWithSource(context, 1, &ptr, &len, &rc)
        }
        guard let program, rc == CL_SUCCESS else { throw ComputeError.openCL(call: "clCreateProgramWithSource(\(file))", code: rc) }
        var dev: cl_device_id? = info.id
        let nativeTensorCores = info.hasTensorCores && info.tensorCoreEmulation == nil
        var options = "-cl-std=CL1.2 -cl-mad-enable -DDEVICE_IS_GPU=\(info.isGPU ? 1 : 0) -DNVIDIA_TENSOR_CORES=\(nativeTensorCores ? 1 : 0)"
        // Tuning knobs of the tensor-core GEMMs (see Kernels/linear_tc.cl), for measuring variants.
        if file == "linear_tc" {
            options += " -DTC_WARPS_M=\(settings.tensorCoreWarps.m) -DTC_WARPS_N=\(settings.tensorCoreWarps.n)"
            if let extra = settings.tensorCoreOptions { options += " " + extra }
            if let emulation = info.tensorCoreEmulation { options += " " + emulation }
        }
        rc = clBuildProgram(program, 1, &dev, options, nil, nil)
        if rc != CL_SUCCESS {
            let log = buildLog(program)
            clReleaseProgram(program)
            throw ComputeError.kernelBuildFailed(file: file, device: info.name, log: log)
        }
        if settings.buildLog {   // e.g. ptxas's register counts with -cl-nv-verbose
            FileHandle.standardError.write(Data("build log of \(file).cl on \(info.name) (\(options)):\n\(buildLog(program))\n".utf8))
        }
        programs[file] = program
        return program
    }

    private func buildLog(_ program: cl_program) -> String {
        var size = 0
        clGetProgramBuildInfo(program, info.id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size)
        guard size > 1 else { return "(empty build log)" }
        var bytes = [CChar](repeating: 0, count: size)
        clGetProgramBuildInfo(program, info.id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, &bytes, nil)
        return String(cString: bytes)
    }

    /// Sets the arguments and enqueues `kernel` over `global` work items (rounded up to
    /// a multiple of `local` when given; kernels bound-check their ids).
    func launch(_ kernel: Kernel, _ args: [CLArg], global: [Int], local: [Int]? = nil) throws {
        let k = try self.kernel(kernel)
        let name = kernel.entry
        var index: cl_uint = 0
        for arg in args {
            switch arg {
            case .view(let v):
                var m: cl_mem? = v.buffer.mem!.mem
                try check(clSetKernelArg(k, index, MemoryLayout<cl_mem>.size, &m), "clSetKernelArg(\(name)#\(index))")
                var off = cl_int(v.offset)
                try check(clSetKernelArg(k, index + 1, 4, &off), "clSetKernelArg(\(name)#\(index + 1))")
                index += 2
            case .int(let i):
                var x = cl_int(i)
                try check(clSetKernelArg(k, index, 4, &x), "clSetKernelArg(\(name)#\(index))")
                index += 1
            case .float(let f):
                var x = f
                try check(clSetKernelArg(k, index, 4, &x), "clSetKernelArg(\(name)#\(index))")
                index += 1
            case .local(let bytes):
                try check(clSetKernelArg(k, index, bytes, nil), "clSetKernelArg(\(name)#\(index))")
                index += 1
            }
        }
        var g = global
        if let local {
            for i in g.indices { g[i] = (g[i] + local[i] - 1) / local[i] * local[i] }
        }
        if g.contains(0) { return }
        let rc: cl_int, dims = cl_uint(g.count)
        var event: cl_event?
        switch (local, profile != nil) {
        case (var l?, true): rc = clEnqueueNDRangeKernel(queue, k, dims, nil, &g, &l, 0, nil, &event)
        case (var l?, false): rc = clEnqueueNDRangeKernel(queue, k, dims, nil, &g, &l, 0, nil, nil)
        case (nil, true): rc = clEnqueueNDRangeKernel(queue, k, dims, nil, &g, nil, 0, nil, &event)
        case (nil, false): rc = clEnqueueNDRangeKernel(queue, k, dims, nil, &g, nil, 0, nil, nil)
        }
        try check(rc, "clEnqueueNDRangeKernel(\(name))")
        launches += 1
        if let profile, let event { try profile.record("\(name) \(global)", event) }
    }
}
