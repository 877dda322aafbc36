import Compute

// Activations for a batch are carved, in a fixed order, out of one buffer. Building the same
// structure twice — once over the activation buffer, once over a gradient buffer — gives every
// activation its gradient at the same offset, without a name lookup in the step loop.

struct Arena {
    let buffer: Buffer?
    private(set) var used = 0

    /// A sizing pass: counts floats, hands out placeholder views of nothing.
    static func measuring() -> Arena { Arena(buffer: nil) }
    init(buffer: Buffer?) { self.buffer = buffer }

    /// A matrix of `rows` × `width` (rows(_:) of it gives the graphs at hand).
    mutating func take(rows: Int, width: Int) -> View {
        let offset = (used + 63) / 64 * 64, count = rows * width
        used = offset + count
        guard let buffer else { return Arena.placeholder.view(0, 0, width: width) }
        return buffer.view(offset, count, width: width)
    }

    /// A vector of one float per row.
    mutating func take(_ count: Int) -> View { take(rows: count, width: 1) }

    /// A zero-length buffer on the Swift device for sizing passes.
    nonisolated(unsafe) static let placeholder: Buffer = try! Device().makeBuffer(count: 0)
}
