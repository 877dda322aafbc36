import COpenCL
import Foundation

// Platform and device discovery. This folder is the only place in the project that sees cl_* types.

/// What `nasdiff devices` shows about one OpenCL device.
public struct OpenCLDeviceInfo: @unchecked Sendable, CustomStringConvertible {
    public let platform: String
    public let name: String
    public let isGPU: Bool
    public let computeUnits: Int
    public let globalMemoryBytes: Int
    public let maxAllocationBytes: Int
    public let localMemoryBytes: Int
    public let openCLCVersion: String
    /// NVIDIA's compute capability (cl_nv_device_attribute_query), e.g. 90 for an H100; nil elsewhere.
    public let nvidiaComputeCapability: Int?
    /// CL_DEVICE_MAX_CLOCK_FREQUENCY: NVIDIA's driver reports the boost clock.
    public let maxClockMHz: Int
    let id: cl_device_id
    /// Tests only: build options that make Kernels/linear_tc.cl run on this (non-NVIDIA) device with its
    /// products emulated in float32 ("-DTC_EMULATE=1"); nil normally.
    var tensorCoreEmulation: String? = nil

    /// Tensor-core GEMMs (Kernels/linear_tc.cl) need mma.sync with TF32 operands: sm_80 and later.
    public var hasTensorCores: Bool { isGPU && ((nvidiaComputeCapability ?? 0) >= 80 || tensorCoreEmulation != nil) }

    /// The fp32 peak in TFLOP/s (an FMA counted as two), where it follows from what the driver says:
    /// NVIDIA GPUs, SMs × fp32 lanes per SM (fixed by the compute capability) × 2 × boost clock.
    /// nil elsewhere: OpenCL reports no lane count.
    public var fp32PeakTFLOPs: Double? {
        guard isGPU, let cc = nvidiaComputeCapability else { return nil }
        return Self.nvidiaFP32PeakTFLOPs(computeCapability: cc, multiprocessors: computeUnits, clockMHz: maxClockMHz)
    }

    /// fp32 lanes per SM from NVIDIA's tuning guides: 64 on sm_60, sm_70–75 and sm_80 (V100, T4, A100),
    /// 128 on sm_61–62, sm_86–89 and sm_90 on (RTX 30/40, H100, Blackwell).
    static func nvidiaFP32PeakTFLOPs(computeCapability cc: Int, multiprocessors: Int, clockMHz: Int) -> Double? {
        let lanes: Int
        switch cc {
        case 60, 70, 72, 75, 80: lanes = 64
        case 61, 62, 86, 87, 89: lanes = 128
        case 90...: lanes = 128
        default: return nil
        }
        guard multiprocessors > 0, clockMHz > 0 else { return nil }
        return Double(multiprocessors * lanes * 2) * Double(clockMHz) * 1e6 / 1e12
    }

    public var description: String {
        "\(platform) / \(name) [\(isGPU ? "GPU" : "CPU")] \(computeUnits) CUs, \(formatBytes(globalMemoryBytes)), \(openCLCVersion)"
    }
}

extension OpenCLDeviceInfo {
    /// The same device with the host choosing GPU-shaped kernels for it: tests run the whole model's
    /// GPU path (tiled and batched GEMMs, fused attention and LayerNorm) on PoCL this way. `computeUnits`
    /// overrides the count the GEMM plans see, so that tests split K on a machine of any core count.
    func treatedAsGPU(computeUnits units: Int? = nil) -> OpenCLDeviceInfo {
        OpenCLDeviceInfo(platform: platform, name: name, isGPU: true, computeUnits: units ?? computeUnits, globalMemoryBytes: globalMemoryBytes,
                         maxAllocationBytes: maxAllocationBytes, localMemoryBytes: localMemoryBytes, openCLCVersion: openCLCVersion,
                         nvidiaComputeCapability: nil, maxClockMHz: maxClockMHz, id: id)
    }

    /// GPU-shaped, and with the tensor-core kernels in their emulated form: the staging and epilogues of
    /// the tensor-core GEMMs and of the fused edge attention then run on PoCL.
    func treatedAsTensorCoreGPU() -> OpenCLDeviceInfo {
        var info = treatedAsGPU()
        info.tensorCoreEmulation = "-DTC_EMULATE=1"
        return info
    }
}

public enum OpenCLDiscovery {
    /// All OpenCL devices on all platforms. An empty list when there is no driver at all
    /// (clGetPlatformIDs returns CL_PLATFORM_NOT_FOUND_KHR, -1001), which is not an error.
    public static func devices() throws -> [OpenCLDeviceInfo] {
        var n: cl_uint = 0
        let rc = clGetPlatformIDs(0, nil, &n)
        if rc == -1001 || n == 0 { return [] }
        try check(rc, "clGetPlatformIDs")
        var platforms = [cl_platform_id?](repeating: nil, count: Int(n))
        try check(clGetPlatformIDs(n, &platforms, nil), "clGetPlatformIDs")
        var result: [OpenCLDeviceInfo] = []
        for case let p? in platforms {
            let pname = platformString(p, cl_platform_info(CL_PLATFORM_NAME))
            var dn: cl_uint = 0
            if clGetDeviceIDs(p, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &dn) != CL_SUCCESS || dn == 0 { continue }
            var ids = [cl_device_id?](repeating: nil, count: Int(dn))
            try check(clGetDeviceIDs(p, cl_device_type(CL_DEVICE_TYPE_ALL), dn, &ids, nil), "clGetDeviceIDs")
            for case let d? in ids {
                let type: cl_device_type = deviceValue(d, CL_DEVICE_TYPE)
                let extensions = deviceString(d, cl_device_info(CL_DEVICE_EXTENSIONS))
                var capability: Int?
                if extensions.contains("cl_nv_device_attribute_query") {
                    let major: cl_uint = deviceValue(d, 0x4000), minor: cl_uint = deviceValue(d, 0x4001)  // CL_DEVICE_COMPUTE_CAPABILITY_{MAJOR,MINOR}_NV
                    capability = Int(major) * 10 + Int(minor)
                }
                result.append(OpenCLDeviceInfo(
                    platform: pname,
                    name: deviceString(d, cl_device_info(CL_DEVICE_NAME)),
                    isGPU: type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0,
                    computeUnits: Int(deviceValue(d, CL_DEVICE_MAX_COMPUTE_UNITS) as cl_uint),
                    globalMemoryBytes: Int(deviceValue(d, CL_DEVICE_GLOBAL_MEM_SIZE) as cl_ulong),
                    maxAllocationBytes: Int(deviceValue(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE) as cl_ulong),
                    localMemoryBytes: Int(deviceValue(d, CL_DEVICE_LOCAL_MEM_SIZE) as cl_ulong),
                    openCLCVersion: deviceString(d, cl_device_info(CL_DEVICE_OPENCL_C_VERSION)),
                    nvidiaComputeCapability: capability,
                    maxClockMHz: Int(deviceValue(d, CL_DEVICE_MAX_CLOCK_FREQUENCY) as cl_uint),
                    id: d))
            }
        }
        return result
    }

    static func platformString(_ p: cl_platform_id, _ what: cl_platform_info) -> String {
        var size = 0
        guard clGetPlatformInfo(p, what, 0, nil, &size) == CL_SUCCESS, size > 0 else { return "?" }
        var bytes = [CChar](repeating: 0, count: size)
        clGetPlatformInfo(p, what, size, &bytes, nil)
        return String(cString: bytes).trimmingCharacters(in: .whitespaces)
    }

    static func deviceString(_ d: cl_device_id, _ what: cl_device_info) -> String {
        var size = 0
        guard clGetDeviceInfo(d, what, 0, nil, &size) == CL_SUCCESS, size > 0 else { return "?" }
        var bytes = [CChar](repeating: 0, count: size)
        clGetDeviceInfo(d, what, size, &bytes, nil)
        return String(cString: bytes).trimmingCharacters(in: .whitespaces)
    }

    static func deviceValue<T: FixedWidthInteger>(_ d: cl_device_id, _ what: Int32) -> T {
        var v: T = 0
        clGetDeviceInfo(d, cl_device_info(what), MemoryLayout<T>.size, &v, nil)
        return v
    }
}

@inline(__always)
func check(_ rc: cl_int, _ call: String) throws {
    if rc != CL_SUCCESS { throw ComputeError.openCL(call: call, code: rc) }
}

