import Compute

// All parameters live in ONE flat buffer (and their gradients in a second of the same layout), with
// named views, as in llm.c: the optimizer is one kernel over one buffer, and a checkpoint is one
// write. Offsets are aligned to 64 floats so GPU kernels can use vector loads on every tensor.

public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }
    public private(set) var entries: [Entry] = []
    public private(set) var totalCount = 0
    static let alignment = 64

    /// Adds a tensor and returns its offset.
    mutating func add(_ name: String, _ shape: [Int]) -> Int {
        let offset = (totalCount + Self.alignment - 1) / Self.alignment * Self.alignment
        entries.append(Entry(name: name, shape: shape, offset: offset))
        totalCount = offset + shape.reduce(1, *)
        return offset
    }

    /// Number of trainable values (without alignment padding).
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.count } }
}

/// Parameter values and gradients on a device.
public final class Parameters: @unchecked Sendable {
    public let device: Device
    public let layout: ParameterLayout
    public let values: Buffer
    public let grads: Buffer
    /// Each layer's e_mul/e_add weights packed for the fused edge attention, made once by
    /// `GraphTransformer.prepareForSampling` for values that no longer change; nil: packed per forward.
    public internal(set) var packedEdgeWeights: [View]?
    /// False: backward passes compute input gradients only and leave `grads` alone (predictor guidance
    /// needs d/dinput, never d/dθ, and the weight-gradient products are half a backward's work).
    public var parameterGradients = true

    init(device: Device, layout: ParameterLayout) throws {
        self.device = device
        self.layout = layout
        values = try device.makeBuffer(count: layout.totalCount)
        grads = try device.makeBuffer(count: layout.totalCount)
    }

    @inline(__always) func value(_ offset: Int, _ count: Int) -> View { values.view(offset, count) }
    /// The gradient view of a tensor, nil when parameter gradients are off.
    @inline(__always) func grad(_ offset: Int, _ count: Int) -> View? { parameterGradients ? grads.view(offset, count) : nil }
}
