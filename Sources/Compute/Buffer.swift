// Device memory. A Buffer is one allocation of Float32 on one device; a View is a named window
// into it (llm.c: parameters and activations live in one allocation each, with named views).
// Integer data (class indices, targets) is stored as Float: every value we store is < 2^24.

public final class Buffer: @unchecked Sendable {
    public let count: Int
    unowned let device: Device
    /// Host memory (Swift backend) — nil on OpenCL.
    let host: UnsafeMutablePointer<Float>?
    /// Device memory (OpenCL backend) — nil on the Swift backend.
    let mem: CLMemory?

    init(count: Int, device: Device, host: UnsafeMutablePointer<Float>?, mem: CLMemory?) {
        self.count = count
        self.device = device
        self.host = host
        self.mem = mem
    }

    deinit { host?.deallocate() }

    /// The whole buffer as a view.
    public var all: View { View(buffer: self, offset: 0, count: count) }

    /// `width`: floats per row, for a view of rows (see View.rows).
    public func view(_ offset: Int, _ count: Int, width: Int? = nil) -> View {
        precondition(offset >= 0 && count >= 0 && offset + count <= self.count,
                     "view \(offset)..<\(offset + count) outside buffer of \(self.count)")
        return View(buffer: self, offset: offset, count: count, width: width)
    }
}

/// A window of `count` floats starting at `offset` in `buffer`: a matrix of `width` floats per row
/// (a workspace's slots are sized for its capacity and used for the graphs at hand, `rows(_:)`),
/// or a run of floats without rows (width nil).
public struct View: @unchecked Sendable {
    public let buffer: Buffer
    public let offset: Int
    public let count: Int
    public let width: Int?

    init(buffer: Buffer, offset: Int, count: Int, width: Int? = nil) {
        self.buffer = buffer; self.offset = offset; self.count = count; self.width = width
    }

    public func sub(_ offset: Int, _ count: Int) -> View {
        precondition(offset >= 0 && count >= 0 && offset + count <= self.count,
                     "sub-view \(offset)..<\(offset + count) outside view of \(self.count)")
        return View(buffer: buffer, offset: self.offset + offset, count: count)
    }

    /// The first `rows` rows, same width.
    public func rows(_ rows: Int) -> View {
        guard let width else { preconditionFailure("rows(\(rows)) of a view without rows") }
        precondition(rows >= 0 && rows * width <= count, "\(rows) rows of \(width) outside view of \(count)")
        return View(buffer: buffer, offset: offset, count: rows * width, width: width)
    }

    /// The first `count` floats.
    public func prefix(_ count: Int) -> View { sub(0, count) }

    /// Host pointer of the first element (Swift backend only).
    @inline(__always) var ptr: Ptr { Ptr(buffer.host! + offset) }
}
