import Compute

// The two parameterised building blocks. They hold offsets into the flat parameter buffer, not
// views, so one model description serves any Parameters instance (CPU, GPU, a loaded checkpoint).

/// y = x Wᵀ + b, W in PyTorch layout [out][in].
struct Linear: Sendable {
    let inDim: Int, outDim: Int
    let weight: Int, bias: Int

    init(_ name: String, _ inDim: Int, _ outDim: Int, _ layout: inout ParameterLayout) {
        self.inDim = inDim
        self.outDim = outDim
        weight = layout.add(name + ".weight", [outDim, inDim])
        bias = layout.add(name + ".bias", [outDim])
    }

    /// A layer of no size, for activation sets a model does not have (a predictor's output MLPs).
    static let none = Linear(inDim: 0, outDim: 0, weight: 0, bias: 0)

    private init(inDim: Int, outDim: Int, weight: Int, bias: Int) {
        self.inDim = inDim; self.outDim = outDim; self.weight = weight; self.bias = bias
    }

    /// `mask`: multiply the output rows by the padding mask; `relu`: then rectify (both fused into
    /// the GEMM on a GPU).
    func forward(_ p: Parameters, out: View, inp: View, rows: Int, mask: RowMask? = nil, relu: Bool = false) throws {
        try p.device.linearForward(out: out, inp: inp, weight: p.value(weight, inDim * outDim), bias: p.value(bias, outDim),
                                   rows: rows, inDim: inDim, outDim: outDim, mask: mask, relu: relu)
    }

    /// Accumulates dW and db (unless the parameters' gradients are off) and, when given, dinp.
    func backward(_ p: Parameters, dinp: View?, dout: View, inp: View, rows: Int) throws {
        try p.device.linearBackward(dinp: dinp, dweight: p.grad(weight, inDim * outDim), dbias: p.grad(bias, outDim),
                                    dout: dout, inp: inp, weight: p.value(weight, inDim * outDim),
                                    rows: rows, inDim: inDim, outDim: outDim)
    }

    /// This layer's weight and bias in `p`.
    func parameters(_ p: Parameters) -> (weight: View, bias: View) {
        (p.value(weight, inDim * outDim), p.value(bias, outDim))
    }

    /// Layers of one shape over one input (q, k and v of x): one batched product on a GPU, since the
    /// parameter layout and the activation arena place their views at equal strides.
    static func forward(_ layers: [Linear], _ p: Parameters, outs: [View], inp: View, rows: Int,
                        mask: RowMask? = nil, relu: Bool = false) throws {
        let l = layers[0]
        precondition(layers.allSatisfy { $0.inDim == l.inDim && $0.outDim == l.outDim } && outs.count == layers.count)
        try p.device.linearForward(zip(layers, outs).map { layer, out in
            let (weight, bias) = layer.parameters(p)
            return LinearForwardOperands(out: out, inp: inp, weight: weight, bias: bias)
        }, rows: rows, inDim: l.inDim, outDim: l.outDim, mask: mask, relu: relu)
    }

    /// The backward of `forward(_:…)`: each layer's dW and db, and the sum of their input gradients into `dinp`.
    static func backward(_ layers: [Linear], _ p: Parameters, dinp: View?, douts: [View], inp: View, rows: Int) throws {
        let l = layers[0]
        precondition(layers.allSatisfy { $0.inDim == l.inDim && $0.outDim == l.outDim } && douts.count == layers.count)
        try p.device.linearBackward(zip(layers, douts).map { layer, dout in
            LinearBackwardOperands(dinp: dinp, dweight: p.grad(layer.weight, l.inDim * l.outDim), dbias: p.grad(layer.bias, l.outDim),
                                   dout: dout, inp: inp, weight: layer.parameters(p).weight)
        }, rows: rows, inDim: l.inDim, outDim: l.outDim)
    }

    /// PyTorch's default init: U(−1/√in, 1/√in) for weight and bias.
    func initialize(_ values: inout [Float], _ rng: inout some RandomNumberGenerator) {
        let bound = 1 / Float(inDim).squareRoot()
        for i in 0..<(inDim * outDim) { values[weight + i] = Float.random(in: -bound...bound, using: &rng) }
        for i in 0..<outDim { values[bias + i] = Float.random(in: -bound...bound, using: &rng) }
    }
}

/// LayerNorm over the last dimension, eps 1e-5, affine (γ = 1, β = 0 at init).
struct LayerNorm: Sendable {
    let dim: Int
    let gamma: Int, beta: Int

    init(_ name: String, _ dim: Int, _ layout: inout ParameterLayout) {
        self.dim = dim
        gamma = layout.add(name + ".weight", [dim])
        beta = layout.add(name + ".bias", [dim])
    }

    func forward(_ p: Parameters, out: View, mean: View, rstd: View, inp: View, rows: Int) throws {
        try p.device.layerNormForward(out: out, mean: mean, rstd: rstd, inp: inp, gamma: p.value(gamma, dim),
                                      beta: p.value(beta, dim), rows: rows, dim: dim)
    }

    /// LayerNorm(a + b)·mask, writing a + b to `sum` (the backward's `inp`; a GPU skips it unless
    /// `training`).
    func forward(_ p: Parameters, out: View, mean: View, rstd: View, sum: View, a: View, b: View, rows: Int,
                 mask: RowMask? = nil, training: Bool) throws {
        try p.device.addLayerNormForward(out: out, mean: mean, rstd: rstd, sum: sum, a: a, b: b, gamma: p.value(gamma, dim),
                                         beta: p.value(beta, dim), rows: rows, dim: dim, mask: mask, keepSum: training)
    }

    func backward(_ p: Parameters, dinp: View, dout: View, inp: View, mean: View, rstd: View, rows: Int) throws {
        try p.device.layerNormBackward(dinp: dinp, dgamma: p.grad(gamma, dim), dbeta: p.grad(beta, dim), dout: dout,
                                       inp: inp, mean: mean, rstd: rstd, gamma: p.value(gamma, dim), rows: rows, dim: dim)
    }

    func initialize(_ values: inout [Float]) {
        for i in 0..<dim { values[gamma + i] = 1; values[beta + i] = 0 }
    }
}
