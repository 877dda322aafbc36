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

    mutating func take(_ count: Int) -> View {
        let offset = (used + 63) / 64 * 64
        used = offset + count
        guard let buffer else { return Arena.placeholder.view(0, 0) }
        return buffer.view(offset, count)
    }

    /// A zero-length buffer on the Swift device for sizing passes.
    nonisolated(unsafe) static let placeholder: Buffer = try! Device().makeBuffer(count: 0)
}
