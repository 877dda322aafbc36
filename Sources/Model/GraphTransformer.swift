import Compute

// The denoiser: noisy one-hot graph (X_t, E_t) plus the global input y (conditions, t/T) →
// logits for the clean node and edge classes (dinas-spec §3.2). Explicit forward and backward over
// a Workspace that holds every activation and its gradient for one batch size.
// With `config.regressionHidden` the same blocks make a noise-aware predictor (DiGress's regressor):
// a regression head on the last layer's y replaces the output MLPs, and one number per graph comes out.

/// The denoiser's output MLPs: per node and per pair, width → hidden → classes.
struct OutputMLPs: Sendable {
    let x, e: MLP
}

public struct GraphTransformer: Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    /// Input MLPs of the one-hot nodes and pairs and of y (ReLU at the end too), and the class
    /// embeddings of y that are concatenated to every node and pair.
    let xIn, eIn, yIn, classX, classE: MLP
    let layers: [TransformerLayer]
    let outputs: OutputMLPs?
    /// The predictor's head on the last layer's y: dy → hidden (ReLU) → 1.
    let head: MLP?

    public init(_ c: ModelConfig) throws {
        try c.validate()
        config = c
        var l = ParameterLayout()
        // The parameter layout follows this order (checkpoints and the seeded initialisation rely on it).
        xIn = MLP(Linear("mlp_in_X.0", c.nodeClasses, c.hiddenInX, &l), Linear("mlp_in_X.2", c.hiddenInX, c.nodeEmbed, &l), reluOut: true)
        eIn = MLP(Linear("mlp_in_E.0", c.edgeClasses, c.hiddenInE, &l), Linear("mlp_in_E.2", c.hiddenInE, c.edgeEmbed, &l), reluOut: true)
        yIn = MLP(Linear("mlp_in_y.0", c.conditionWidth, c.hiddenInY, &l), Linear("mlp_in_y.2", c.hiddenInY, c.dy, &l), reluOut: true)
        let cxw = c.dx - c.nodeEmbed, cew = c.de - c.edgeEmbed
        classX = MLP(Linear("linear_map_class_X.0", c.conditionWidth, cxw, &l), Linear("linear_map_class_X.2", cxw, cxw, &l))
        classE = MLP(Linear("linear_map_class_E.0", c.conditionWidth, cew, &l), Linear("linear_map_class_E.2", cew, cew, &l))
        var ls: [TransformerLayer] = []
        for i in 0..<c.layers { ls.append(TransformerLayer("tf_layers.\(i)", c, &l)) }
        layers = ls
        if let h = c.regressionHidden {
            outputs = nil
            head = MLP(Linear("head.0", c.dy, h, &l), Linear("head.2", h, 1, &l))
        } else {
            outputs = OutputMLPs(x: MLP(Linear("mlp_out_X.0", c.dx, c.hiddenOutX, &l), Linear("mlp_out_X.2", c.hiddenOutX, c.nodeClasses, &l)),
                                 e: MLP(Linear("mlp_out_E.0", c.de, c.hiddenOutE, &l), Linear("mlp_out_E.2", c.hiddenOutE, c.edgeClasses, &l)))
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
        ([xIn, eIn, yIn, classX, classE] + (outputs.map { [$0.x, $0.e] } ?? []) + (head.map { [$0] } ?? [])).flatMap { [$0.first, $0.second] }
            + layers.flatMap(\.linears)
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
