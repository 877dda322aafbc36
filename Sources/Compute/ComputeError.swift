import Foundation

// Every error the compute layer raises says what was asked, what the limit is, and what to do.

public enum ComputeError: Error, CustomStringConvertible, Equatable {
    /// An op was called with sizes that do not fit its buffers or each other.
    case invalidSize(op: String, detail: String)
    /// More memory was asked for than the device has.
    case outOfMemory(device: String, requestedBytes: Int, availableBytes: Int)
    /// A kernel file failed to compile; `log` is the device compiler's output.
    case kernelBuildFailed(file: String, device: String, log: String)
    /// A kernel file or kernel name does not exist.
    case kernelNotFound(file: String, kernel: String)
    /// An OpenCL call returned an error code.
    case openCL(call: String, code: Int32)
    /// The user named a device that is not present.
    case unknownDevice(requested: String, available: [String])

    public var description: String {
        switch self {
        case let .invalidSize(op, detail):
            return "\(op): invalid size: \(detail)"
        case let .outOfMemory(device, requested, available):
            return "out of memory on \(device): asked for \(formatBytes(requested)), the device has \(formatBytes(available)); use a smaller --batch or preset"
        case let .kernelBuildFailed(file, device, log):
            return "kernel file \(file).cl failed to build for \(device):\n\(log)"
        case let .kernelNotFound(file, kernel):
            return "kernel '\(kernel)' not found in \(file).cl (check NASDIFF_KERNELS_DIR if set)"
        case let .openCL(call, code):
            return "OpenCL call \(call) failed with \(code) (\(openCLErrorName(code)))"
        case let .unknownDevice(requested, available):
            return "no device '\(requested)'; available: \(available.joined(separator: ", ")) (see `nasdiff devices`)"
        }
    }
}

/// "1.50 GiB" or "12.0 MiB": memory sizes in messages and listings.
public func formatBytes(_ n: Int) -> String {
    let gib = Double(n) / Double(1 << 30)
    if gib >= 1 { return String(format: "%.2f GiB", gib) }
    return String(format: "%.1f MiB", Double(n) / Double(1 << 20))
}

func openCLErrorName(_ code: Int32) -> String {
    switch code {
    case -1: return "CL_DEVICE_NOT_FOUND"
    case -2: return "CL_DEVICE_NOT_AVAILABLE"
    case -4: return "CL_MEM_OBJECT_ALLOCATION_FAILURE"
    case -5: return "CL_OUT_OF_RESOURCES"
    case -6: return "CL_OUT_OF_HOST_MEMORY"
    case -11: return "CL_BUILD_PROGRAM_FAILURE"
    case -30: return "CL_INVALID_VALUE"
    case -36: return "CL_INVALID_COMMAND_QUEUE"
    case -38: return "CL_INVALID_MEM_OBJECT"
    case -46: return "CL_INVALID_KERNEL_NAME"
    case -48: return "CL_INVALID_KERNEL"
    case -49: return "CL_INVALID_ARG_INDEX"
    case -50: return "CL_INVALID_ARG_VALUE"
    case -51: return "CL_INVALID_ARG_SIZE"
    case -52: return "CL_INVALID_KERNEL_ARGS"
    case -54: return "CL_INVALID_WORK_GROUP_SIZE"
    case -61: return "CL_INVALID_BUFFER_SIZE"
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR"
    default: return "see CL/cl.h"
    }
}
