// Dimensions of the DiNAS graph transformer (dinas-spec §3). `dinas` is the paper's size (~10.9 M
// parameters at NB201's dims); `small` is for CPU training and CI.

public struct ModelConfig: Codable, Sendable, Equatable {
    /// Node classes (dX) and edge classes (dE = 2: no edge / edge).
    public var nodeClasses: Int
    public var edgeClasses: Int
    /// Width of the global input y: the concatenated condition one-hots, plus 1 when `timestep` is on.
    public var conditionWidth: Int
    /// Graphs are padded to this many nodes.
    public var maxNodes: Int

    public var layers: Int
    /// Widths inside the layers (dx, de, dy) and the number of attention heads.
    public var dx: Int, de: Int, dy: Int, heads: Int
    /// Feed-forward widths for X, E and y inside each layer.
    public var ffX: Int, ffE: Int, ffY: Int
    /// Hidden widths of the input MLPs (X, E, y) and the output MLPs (X, E).
    public var hiddenInX: Int, hiddenInE: Int, hiddenInY: Int, hiddenOutX: Int, hiddenOutE: Int

    /// DiGress feeds t/T into y; DiNAS does not (B4). On by default.
    public var timestep: Bool
    /// Chain y across layers (fixes B1). On by default; off reproduces DiNAS.
    public var chainY: Bool
    /// A noise-aware predictor instead of a denoiser (DiGress's regressor): the X and E output MLPs are
    /// replaced by a regression head on the last layer's y, Linear(dy → this) · ReLU · Linear(→ 1).
    /// nil (absent from a checkpoint's JSON) for a denoiser.
    public var regressionHidden: Int? = nil

    /// Node features before the class embedding is concatenated: dx/2 (DiNAS: 256 of 512).
    public var nodeEmbed: Int { dx / 2 }
    public var edgeEmbed: Int { de / 2 }

    public static func dinas(nodeClasses: Int, conditionWidth: Int, maxNodes: Int, timestep: Bool = true) -> ModelConfig {
        ModelConfig(nodeClasses: nodeClasses, edgeClasses: 2, conditionWidth: conditionWidth, maxNodes: maxNodes,
                    layers: 5, dx: 512, de: 128, dy: 64, heads: 8, ffX: 256, ffE: 128, ffY: 2048,
                    hiddenInX: 256, hiddenInE: 128, hiddenInY: 128, hiddenOutX: 256, hiddenOutE: 128,
                    timestep: timestep, chainY: true)
    }

    public static func small(nodeClasses: Int, conditionWidth: Int, maxNodes: Int, timestep: Bool = true) -> ModelConfig {
        ModelConfig(nodeClasses: nodeClasses, edgeClasses: 2, conditionWidth: conditionWidth, maxNodes: maxNodes,
                    layers: 3, dx: 64, de: 16, dy: 32, heads: 4, ffX: 128, ffE: 32, ffY: 64,
                    hiddenInX: 64, hiddenInE: 16, hiddenInY: 32, hiddenOutX: 64, hiddenOutE: 16,
                    timestep: timestep, chainY: true)
    }

    /// For tests and smoke runs: every part of the model at toy widths.
    public static func tiny(nodeClasses: Int, conditionWidth: Int, maxNodes: Int, timestep: Bool = true) -> ModelConfig {
        ModelConfig(nodeClasses: nodeClasses, edgeClasses: 2, conditionWidth: conditionWidth, maxNodes: maxNodes,
                    layers: 2, dx: 16, de: 8, dy: 8, heads: 2, ffX: 16, ffE: 8, ffY: 16,
                    hiddenInX: 16, hiddenInE: 8, hiddenInY: 8, hiddenOutX: 16, hiddenOutE: 8,
                    timestep: timestep, chainY: true)
    }

    public static let presetNames = ["dinas", "small", "tiny"]

    public static func preset(_ name: String, nodeClasses: Int, conditionWidth: Int, maxNodes: Int, timestep: Bool = true) -> ModelConfig? {
        switch name {
        case "dinas": return dinas(nodeClasses: nodeClasses, conditionWidth: conditionWidth, maxNodes: maxNodes, timestep: timestep)
        case "small": return small(nodeClasses: nodeClasses, conditionWidth: conditionWidth, maxNodes: maxNodes, timestep: timestep)
        case "tiny": return tiny(nodeClasses: nodeClasses, conditionWidth: conditionWidth, maxNodes: maxNodes, timestep: timestep)
        default: return nil
        }
    }

    /// Bounds no real model reaches (the DiNAS preset: widths ≤ 2,048, 5 layers, 10.9 M parameters),
    /// checked before anything is allocated, so a damaged or hostile header is refused, not obeyed.
    public static let maxWidth = 16_384, maxLayers = 64, maxNodesLimit = 64, maxClasses = 256, maxConditionWidth = 4_096
    public static let maxHeads = 64

    /// Checks every field's range and that the widths fit together, in a fixed order; the message names
    /// the field.
    public func validate() throws {
        func fail(_ s: String) -> ModelError { .invalidConfig(s) }
        let bounded: [(String, Int, ClosedRange<Int>)] = [
            ("nodeClasses", nodeClasses, 2...Self.maxClasses), ("edgeClasses", edgeClasses, 2...2),
            ("conditionWidth", conditionWidth, 1...Self.maxConditionWidth), ("maxNodes", maxNodes, 2...Self.maxNodesLimit),
            ("layers", layers, 1...Self.maxLayers), ("heads", heads, 1...Self.maxHeads),
            ("dx", dx, 2...Self.maxWidth), ("de", de, 2...Self.maxWidth), ("dy", dy, 1...Self.maxWidth),
            ("ffX", ffX, 1...Self.maxWidth), ("ffE", ffE, 1...Self.maxWidth), ("ffY", ffY, 1...Self.maxWidth),
            ("hiddenInX", hiddenInX, 1...Self.maxWidth), ("hiddenInE", hiddenInE, 1...Self.maxWidth),
            ("hiddenInY", hiddenInY, 1...Self.maxWidth), ("hiddenOutX", hiddenOutX, 1...Self.maxWidth),
            ("hiddenOutE", hiddenOutE, 1...Self.maxWidth), ("regressionHidden", regressionHidden ?? 1, 1...Self.maxWidth),
        ]
        for (name, value, range) in bounded where !range.contains(value) {
            throw fail("\(name) = \(value) must be in \(range.lowerBound)…\(range.upperBound)")
        }
        if dx % 2 != 0 { throw fail("dx = \(dx) must be even (half is the class embedding)") }
        if de % 2 != 0 { throw fail("de = \(de) must be even (half is the class embedding)") }
        if dx % heads != 0 { throw fail("dx = \(dx) must be a multiple of heads = \(heads)") }
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case checkpoint(path: String, problem: String)

    public var description: String {
        switch self {
        case .invalidConfig(let s): return "model config: \(s)"
        case let .checkpoint(path, problem): return "checkpoint \(path): \(problem)"
        }
    }
}
