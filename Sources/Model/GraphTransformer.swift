import Compute

// The denoiser: noisy one-hot graph (X_t, E_t) plus the global input y (conditions, t/T) →
// logits for the clean node and edge classes (dinas-spec §3.2). Explicit forward and backward over
// a Workspace that holds every activation and its gradient for one batch size.
// With `config.regressionHidden` the same blocks make a noise-aware predictor (DiGress's regressor):
// a regression head on the last layer's y replaces the output MLPs, and one number per graph comes out.

/// The denoiser's output MLPs: per node and per pair, width → hidden → classes.
struct OutputMLPs: Sendable {
    let x1, x2, e1, e2: Linear
}

/// The predictor's head on y: dy → hidden (ReLU) → 1.
struct RegressionHead: Sendable {
    let hidden, out: Linear
}

public struct GraphTransformer: Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    let xIn1, xIn2, eIn1, eIn2, yIn1, yIn2, cX1, cX2, cE1, cE2: Linear
    let layers: [TransformerLayer]
    let outputs: OutputMLPs?
    let head: RegressionHead?

    public init(_ c: ModelConfig) throws {
        try c.validate()
        config = c
        var l = ParameterLayout()
        xIn1 = Linear("mlp_in_X.0", c.nodeClasses, c.hiddenInX, &l)
        xIn2 = Linear("mlp_in_X.2", c.hiddenInX, c.nodeEmbed, &l)
        eIn1 = Linear("mlp_in_E.0", c.edgeClasses, c.hiddenInE, &l)
        eIn2 = Linear("mlp_in_E.2", c.hiddenInE, c.edgeEmbed, &l)
        yIn1 = Linear("mlp_in_y.0", c.conditionWidth, c.hiddenInY, &l)
        yIn2 = Linear("mlp_in_y.2", c.hiddenInY, c.dy, &l)
        cX1 = Linear("linear_map_class_X.0", c.conditionWidth, c.dx - c.nodeEmbed, &l)
        cX2 = Linear("linear_map_class_X.2", c.dx - c.nodeEmbed, c.dx - c.nodeEmbed, &l)
        cE1 = Linear("linear_map_class_E.0", c.conditionWidth, c.de - c.edgeEmbed, &l)
        cE2 = Linear("linear_map_class_E.2", c.de - c.edgeEmbed, c.de - c.edgeEmbed, &l)
        var ls: [TransformerLayer] = []
        for i in 0..<c.layers { ls.append(TransformerLayer("tf_layers.\(i)", c, &l)) }
        layers = ls
        if let h = c.regressionHidden {
            outputs = nil
            head = RegressionHead(hidden: Linear("head.0", c.dy, h, &l), out: Linear("head.2", h, 1, &l))
        } else {
            outputs = OutputMLPs(x1: Linear("mlp_out_X.0", c.dx, c.hiddenOutX, &l), x2: Linear("mlp_out_X.2", c.hiddenOutX, c.nodeClasses, &l),
                                 e1: Linear("mlp_out_E.0", c.de, c.hiddenOutE, &l), e2: Linear("mlp_out_E.2", c.hiddenOutE, c.edgeClasses, &l))
            head = nil
        }
        guard l.totalCount <= Self.maxParameters else {
            throw ModelError.invalidConfig("\(l.totalCount) parameters; at most \(Self.maxParameters) are accepted (the DiNAS preset has 10.9 M)")
        }
        layout = l
    }

    /// No real model comes near it; a header asking for more is refused before anything is allocated.
    public static let maxParameters = 250_000_000

    var linears: [Linear] {
        [xIn1, xIn2, eIn1, eIn2, yIn1, yIn2, cX1, cX2, cE1, cE2] + (outputs.map { [$0.x1, $0.x2, $0.e1, $0.e2] } ?? [])
            + (head.map { [$0.hidden, $0.out] } ?? []) + layers.flatMap(\.linears)
    }

    /// Fresh parameters with PyTorch's default initialisation, from a seed.
    public func initialParameters(on device: Device, seed: UInt64) throws -> Parameters {
        let p = try Parameters(device: device, layout: layout)
        var values = [Float](repeating: 0, count: layout.totalCount)
        var rng = SplitMix64(seed)
        for lin in linears { lin.initialize(&values, &rng) }
        for layer in layers { for norm in layer.norms { norm.initialize(&values) } }
        try device.upload(values, to: p.values.all)
        return p
    }

    public func parameters(on device: Device, values: [Float]) throws -> Parameters {
        guard values.count == layout.totalCount else {
            throw ModelError.invalidConfig("parameter buffer holds \(values.count) floats, the model needs \(layout.totalCount)")
        }
        let p = try Parameters(device: device, layout: layout)
        try device.upload(values, to: p.values.all)
        return p
    }

    /// Readies parameters whose values will not change again (a sampler's own copy) for sampling
    /// forwards: where the fused edge attention runs, each layer's e_mul/e_add weights are packed once
    /// here instead of in every forward. Not for training: the optimizer would leave the packed copies
    /// stale.
    public func prepareForSampling(_ p: Parameters) throws {
        let packed = try layers.map { layer in
            try p.device.packEdgeAttentionWeights(eMul: layer.eMul.parameters(p).weight, eAdd: layer.eAdd.parameters(p).weight,
                                                  dim: config.dx, edgeDim: config.de, n: config.maxNodes)
        }
        p.packedEdgeWeights = packed.contains { $0 == nil } ? nil : packed.compactMap { $0 }
    }
}
