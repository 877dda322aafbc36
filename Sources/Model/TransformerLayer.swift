import Compute

// One XEy transformer layer (dinas-spec §3.3–3.4): node–edge attention with per-channel softmax,
// FiLM of the edge scores and node outputs by y, a global y update from pooled X and E, then
// post-LayerNorm residuals and feed-forward blocks for X, E and y. Dropout is not used (we train
// with p = 0; DiNAS's 0.1 is a departure documented in the README).

struct TransformerLayer: Sendable {
    let q, k, v, eMul, eAdd, eOut, xOut: Linear
    let yeMul, yeAdd, yxMul, yxAdd, yy, xToY, eToY, yOut1, yOut2: Linear
    let ffX1, ffX2, ffE1, ffE2, ffY1, ffY2: Linear
    let normX1, normE1, normY1, normX2, normE2, normY2: LayerNorm
    let dx: Int, de: Int, dy: Int, heads: Int, ffX: Int, ffE: Int, ffY: Int

    init(_ name: String, _ c: ModelConfig, _ layout: inout ParameterLayout) {
        dx = c.dx; de = c.de; dy = c.dy; heads = c.heads; ffX = c.ffX; ffE = c.ffE; ffY = c.ffY
        let a = name + ".attention."
        q = Linear(a + "q", dx, dx, &layout)
        k = Linear(a + "k", dx, dx, &layout)
        v = Linear(a + "v", dx, dx, &layout)
        eMul = Linear(a + "e_mul", de, dx, &layout)
        eAdd = Linear(a + "e_add", de, dx, &layout)
        yeMul = Linear(a + "y_e_mul", dy, dx, &layout)
        yeAdd = Linear(a + "y_e_add", dy, dx, &layout)
        yxMul = Linear(a + "y_x_mul", dy, dx, &layout)
        yxAdd = Linear(a + "y_x_add", dy, dx, &layout)
        yy = Linear(a + "y_y", dy, dy, &layout)
        xToY = Linear(a + "x_y", 4 * dx, dy, &layout)
        eToY = Linear(a + "e_y", 4 * de, dy, &layout)
        xOut = Linear(a + "x_out", dx, dx, &layout)
        eOut = Linear(a + "e_out", dx, de, &layout)
        yOut1 = Linear(a + "y_out.0", dy, dy, &layout)
        yOut2 = Linear(a + "y_out.2", dy, dy, &layout)
        ffX1 = Linear(name + ".linX1", dx, ffX, &layout)
        ffX2 = Linear(name + ".linX2", ffX, dx, &layout)
        ffE1 = Linear(name + ".linE1", de, ffE, &layout)
        ffE2 = Linear(name + ".linE2", ffE, de, &layout)
        ffY1 = Linear(name + ".lin_y1", dy, ffY, &layout)
        ffY2 = Linear(name + ".lin_y2", ffY, dy, &layout)
        normX1 = LayerNorm(name + ".normX1", dx, &layout)
        normE1 = LayerNorm(name + ".normE1", de, &layout)
        normY1 = LayerNorm(name + ".norm_y1", dy, &layout)
        normX2 = LayerNorm(name + ".normX2", dx, &layout)
        normE2 = LayerNorm(name + ".normE2", de, &layout)
        normY2 = LayerNorm(name + ".norm_y2", dy, &layout)
    }

    var linears: [Linear] { [q, k, v, eMul, eAdd, eOut, xOut, yeMul, yeAdd, yxMul, yxAdd, yy, xToY, eToY, yOut1, yOut2, ffX1, ffX2, ffE1, ffE2, ffY1, ffY2] }
    var norms: [LayerNorm] { [normX1, normE1, normY1, normX2, normE2, normY2] }

    /// Everything the forward pass writes, for a batch of `graphs` graphs of `n` nodes.
    struct Acts {
        var q, k, v, wv, fx, nX, rX, x1, fxa, fxb, fxc, rX2, xOut: View      // node rows × width
        var e1, e2, scores, probs, fe, nE, rE, e1n, fea, feb, fec, rE2, eOut: View // pair rows × width
        var yem, yea, yxm, yxa, poolX, poolE, ySum, yo1, yo2, ny, rY, y1, fya, fyb, fyc, rY2, yOut: View
        var meanX1, rstdX1, meanX2, rstdX2, meanE1, rstdE1, meanE2, rstdE2, meanY1, rstdY1, meanY2, rstdY2: View

        /// `keepProbs` (training): also the slots only the backward reads or only a gradient uses — the
        /// raw scores, the probabilities, the attention's node output before y's FiLM and the
        /// feed-forward pre-activations (the forward writes the ReLU output directly). Sampling
        /// workspaces leave them out (~66 MB per layer set for the dinas preset at batch 384). `edgeInputs`: whether e1 and e2 are stored (not when sampling runs the
        /// fused edge attention, Device.fusesEdgeAttention).
        init(_ a: inout Arena, _ l: TransformerLayer, graphs: Int, n: Int, keepProbs: Bool, edgeInputs: Bool) {
            let rn = graphs * n, re = graphs * n * n, rg = graphs
            func kept(_ count: Int) -> View { a.take(keepProbs ? count : 0) }
            q = a.take(rn * l.dx); k = a.take(rn * l.dx); v = a.take(rn * l.dx); wv = kept(rn * l.dx)
            fx = a.take(rn * l.dx); nX = a.take(rn * l.dx); rX = a.take(rn * l.dx); x1 = a.take(rn * l.dx)
            fxa = kept(rn * l.ffX); fxb = a.take(rn * l.ffX); fxc = a.take(rn * l.dx); rX2 = a.take(rn * l.dx); xOut = a.take(rn * l.dx)
            e1 = a.take(edgeInputs ? re * l.dx : 0); e2 = a.take(edgeInputs ? re * l.dx : 0); scores = kept(re * l.dx)
            probs = kept(re * l.dx)
            fe = a.take(re * l.dx); nE = a.take(re * l.de); rE = a.take(re * l.de); e1n = a.take(re * l.de)
            fea = kept(re * l.ffE); feb = a.take(re * l.ffE); fec = a.take(re * l.de); rE2 = a.take(re * l.de); eOut = a.take(re * l.de)
            yem = a.take(rg * l.dx); yea = a.take(rg * l.dx); yxm = a.take(rg * l.dx); yxa = a.take(rg * l.dx)
            poolX = a.take(rg * 4 * l.dx); poolE = a.take(rg * 4 * l.de)
            ySum = a.take(rg * l.dy)
            yo1 = kept(rg * l.dy); yo2 = a.take(rg * l.dy); ny = a.take(rg * l.dy); rY = a.take(rg * l.dy); y1 = a.take(rg * l.dy)
            fya = kept(rg * l.ffY); fyb = a.take(rg * l.ffY); fyc = a.take(rg * l.dy); rY2 = a.take(rg * l.dy); yOut = a.take(rg * l.dy)
            meanX1 = a.take(rn); rstdX1 = a.take(rn); meanX2 = a.take(rn); rstdX2 = a.take(rn)
            meanE1 = a.take(re); rstdE1 = a.take(re); meanE2 = a.take(re); rstdE2 = a.take(re)
            meanY1 = a.take(rg); rstdY1 = a.take(rg); meanY2 = a.take(rg); rstdY2 = a.take(rg)
        }
    }

    func forward(_ p: Parameters, _ s: Acts, x: View, e: View, y: View, nodeMask: View, graphs g: Int, n: Int, keepProbs: Bool,
                 packedEdgeWeights: View? = nil) throws {
        let d = p.device, rn = g * n, re = g * n * n
        let nodes = RowMask(nodeMask: nodeMask, n: n, pairs: false), pairs = RowMask(nodeMask: nodeMask, n: n, pairs: true)
        // Node–edge attention.
        // Layers of one input and shape run as one product each (their views lie at equal strides).
        try Linear.forward([q, k, v], p, outs: [s.q, s.k, s.v], inp: x, rows: rn, mask: nodes)
        try Linear.forward([yeMul, yeAdd, yxMul, yxAdd], p, outs: [s.yem, s.yea, s.yxm, s.yxa], inp: y, rows: g)
        // Edge update from the pre-softmax scores and node update from the attention output, each
        // FiLM'd by y. Training keeps e1, the raw scores and the weighted v for the backward; sampling
        // computes both edge inputs inside the attention on a GPU and lets it write the FiLM'd scores
        // and node output straight away.
        if keepProbs {
            try Linear.forward([eMul, eAdd], p, outs: [s.e1, s.e2], inp: e, rows: re, mask: pairs)
            try d.attentionForward(scores: s.scores, probs: s.probs, weightedV: s.wv, q: s.q, k: s.k, v: s.v,
                                   e1: s.e1, e2: s.e2, nodeMask: nodeMask, graphs: g, n: n, dim: dx, heads: heads)
            try d.filmForward(out: s.fe, inp: s.scores, mul: s.yem, add: s.yea, graphs: g, positions: n * n, dim: dx)
            try d.filmForward(out: s.fx, inp: s.wv, mul: s.yxm, add: s.yxa, graphs: g, positions: n, dim: dx)
        } else {
            try d.edgeAttentionForward(fe: s.fe, filmedV: s.fx, e: e, eMul: eMul.parameters(p), eAdd: eAdd.parameters(p),
                                       e1: s.e1, e2: s.e2, q: s.q, k: s.k, v: s.v, nodeMask: nodeMask,
                                       graphs: g, n: n, dim: dx, edgeDim: de, heads: heads,
                                       edgeFilm: (s.yem, s.yea), nodeFilm: (s.yxm, s.yxa), packedWeights: packedEdgeWeights)
        }
        try eOut.forward(p, out: s.nE, inp: s.fe, rows: re, mask: pairs)
        try xOut.forward(p, out: s.nX, inp: s.fx, rows: rn, mask: nodes)
        // Global update from the layer inputs.
        try d.poolForward(out: s.poolX, inp: x, graphs: g, positions: n, dim: dx)
        try d.poolForward(out: s.poolE, inp: e, graphs: g, positions: n * n, dim: de)
        // Residual + LayerNorm, then feed-forward + residual + LayerNorm, for X and E; y below.
        try normX1.forward(p, out: s.x1, mean: s.meanX1, rstd: s.rstdX1, sum: s.rX, a: x, b: s.nX, rows: rn, training: keepProbs)
        try normE1.forward(p, out: s.e1n, mean: s.meanE1, rstd: s.rstdE1, sum: s.rE, a: e, b: s.nE, rows: re, training: keepProbs)

        try ffX1.forward(p, out: s.fxb, inp: s.x1, rows: rn, relu: true)
        try ffX2.forward(p, out: s.fxc, inp: s.fxb, rows: rn)
        // Padded nodes and pairs leave the layer as zeros (the mask): otherwise LayerNorm(0) = β (plus
        // the feed-forward output) would enter the next layer's pooled statistics and so y.
        try normX2.forward(p, out: s.xOut, mean: s.meanX2, rstd: s.rstdX2, sum: s.rX2, a: s.x1, b: s.fxc, rows: rn, mask: nodes, training: keepProbs)

        try ffE1.forward(p, out: s.feb, inp: s.e1n, rows: re, relu: true)
        try ffE2.forward(p, out: s.fec, inp: s.feb, rows: re)
        try normE2.forward(p, out: s.eOut, mean: s.meanE2, rstd: s.rstdE2, sum: s.rE2, a: s.e1n, b: s.fec, rows: re, mask: pairs, training: keepProbs)

        // Global update from y and the pooled layer inputs (one reduction for the three products on a GPU).
        try d.linearSumForward(out: s.ySum, terms: [(yy, y), (xToY, s.poolX), (eToY, s.poolE)].map { layer, inp in
            let (weight, bias) = layer.parameters(p)
            return LinearTerm(inp: inp, weight: weight, bias: bias, inDim: layer.inDim)
        }, rows: g, outDim: dy)
        try yOut1.forward(p, out: s.yo2, inp: s.ySum, rows: g, relu: true)
        try yOut2.forward(p, out: s.ny, inp: s.yo2, rows: g)
        try normY1.forward(p, out: s.y1, mean: s.meanY1, rstd: s.rstdY1, sum: s.rY, a: y, b: s.ny, rows: g, training: keepProbs)
        try ffY1.forward(p, out: s.fyb, inp: s.y1, rows: g, relu: true)
        try ffY2.forward(p, out: s.fyc, inp: s.fyb, rows: g)
        try normY2.forward(p, out: s.yOut, mean: s.meanY2, rstd: s.rstdY2, sum: s.rY2, a: s.y1, b: s.fyc, rows: g, training: keepProbs)
    }

    /// `ds` holds the gradients of the activations in `s` (same layout); the caller has put the
    /// gradients of the outputs into ds.xOut/eOut/yOut. Accumulates into dx, de, dy (the inputs).
    func backward(_ p: Parameters, _ s: Acts, _ ds: Acts, x: View, e: View, y: View, dx dX: View, de dE: View, dy dY: View,
                  nodeMask: View, graphs g: Int, n: Int) throws {
        let d = p.device, rn = g * n, re = g * n * n
        try d.applyNodeMask(ds.xOut, nodeMask: nodeMask, graphs: g, n: n, dim: dx)
        try d.applyPairMask(ds.eOut, nodeMask: nodeMask, graphs: g, n: n, dim: de, zeroDiagonal: false)
        // Feed-forward blocks: LN2 → residual → FF.
        try normY2.backward(p, dinp: ds.rY2, dout: ds.yOut, inp: s.rY2, mean: s.meanY2, rstd: s.rstdY2, rows: g)
        try d.axpby(ds.y1.sub(0, g * dy), ds.rY2.sub(0, g * dy), a: 1, b: 1)
        try ffY2.backward(p, dinp: ds.fyb, dout: ds.rY2, inp: s.fyb, rows: g)
        try d.reluBackward(dinp: ds.fya.sub(0, g * ffY), dout: ds.fyb.sub(0, g * ffY), out: s.fyb.sub(0, g * ffY))
        try ffY1.backward(p, dinp: ds.y1, dout: ds.fya, inp: s.y1, rows: g)

        try normE2.backward(p, dinp: ds.rE2, dout: ds.eOut, inp: s.rE2, mean: s.meanE2, rstd: s.rstdE2, rows: re)
        try d.axpby(ds.e1n.sub(0, re * de), ds.rE2.sub(0, re * de), a: 1, b: 1)
        try ffE2.backward(p, dinp: ds.feb, dout: ds.rE2, inp: s.feb, rows: re)
        try d.reluBackward(dinp: ds.fea.sub(0, re * ffE), dout: ds.feb.sub(0, re * ffE), out: s.feb.sub(0, re * ffE))
        try ffE1.backward(p, dinp: ds.e1n, dout: ds.fea, inp: s.e1n, rows: re)

        try normX2.backward(p, dinp: ds.rX2, dout: ds.xOut, inp: s.rX2, mean: s.meanX2, rstd: s.rstdX2, rows: rn)
        try d.axpby(ds.x1.sub(0, rn * dx), ds.rX2.sub(0, rn * dx), a: 1, b: 1)
        try ffX2.backward(p, dinp: ds.fxb, dout: ds.rX2, inp: s.fxb, rows: rn)
        try d.reluBackward(dinp: ds.fxa.sub(0, rn * ffX), dout: ds.fxb.sub(0, rn * ffX), out: s.fxb.sub(0, rn * ffX))
        try ffX1.backward(p, dinp: ds.x1, dout: ds.fxa, inp: s.x1, rows: rn)

        // First residual + LayerNorm: d(residual) flows to the input and to the block's update.
        try normY1.backward(p, dinp: ds.rY, dout: ds.y1, inp: s.rY, mean: s.meanY1, rstd: s.rstdY1, rows: g)
        try d.axpby(dY.sub(0, g * dy), ds.rY.sub(0, g * dy), a: 1, b: 1)
        try normE1.backward(p, dinp: ds.rE, dout: ds.e1n, inp: s.rE, mean: s.meanE1, rstd: s.rstdE1, rows: re)
        try d.axpby(dE.sub(0, re * de), ds.rE.sub(0, re * de), a: 1, b: 1)
        try normX1.backward(p, dinp: ds.rX, dout: ds.x1, inp: s.rX, mean: s.meanX1, rstd: s.rstdX1, rows: rn)
        try d.axpby(dX.sub(0, rn * dx), ds.rX.sub(0, rn * dx), a: 1, b: 1)

        // Global y update (ny = yOut2(relu(yOut1(yy(y) + xToY(poolX) + eToY(poolE))))).
        try yOut2.backward(p, dinp: ds.yo2, dout: ds.rY, inp: s.yo2, rows: g)
        try d.reluBackward(dinp: ds.yo1.sub(0, g * dy), dout: ds.yo2.sub(0, g * dy), out: s.yo2.sub(0, g * dy))
        try yOut1.backward(p, dinp: ds.ySum, dout: ds.yo1, inp: s.ySum, rows: g)
        try yy.backward(p, dinp: dY, dout: ds.ySum, inp: y, rows: g)
        try xToY.backward(p, dinp: ds.poolX, dout: ds.ySum, inp: s.poolX, rows: g)
        try eToY.backward(p, dinp: ds.poolE, dout: ds.ySum, inp: s.poolE, rows: g)
        try d.poolBackward(dinp: dX, dout: ds.poolX, inp: x, out: s.poolX, graphs: g, positions: n, dim: dx)
        try d.poolBackward(dinp: dE, dout: ds.poolE, inp: e, out: s.poolE, graphs: g, positions: n * n, dim: de)

        // Node update: nX = mask(xOut(FiLM(wv; yxm, yxa))).
        try d.applyNodeMask(ds.rX, nodeMask: nodeMask, graphs: g, n: n, dim: dx)
        try xOut.backward(p, dinp: ds.fx, dout: ds.rX, inp: s.fx, rows: rn)
        try d.filmBackward(dinp: ds.wv, dmul: ds.yxm, dadd: ds.yxa, dout: ds.fx, inp: s.wv, mul: s.yxm, graphs: g, positions: n, dim: dx)

        // Edge update: nE = mask(eOut(FiLM(scores; yem, yea))).
        try d.applyPairMask(ds.rE, nodeMask: nodeMask, graphs: g, n: n, dim: de, zeroDiagonal: false)
        try eOut.backward(p, dinp: ds.fe, dout: ds.rE, inp: s.fe, rows: re)
        try d.filmBackward(dinp: ds.scores, dmul: ds.yem, dadd: ds.yea, dout: ds.fe, inp: s.scores, mul: s.yem, graphs: g, positions: n * n, dim: dx)
        try Linear.backward([yeMul, yeAdd, yxMul, yxAdd], p, dinp: dY, douts: [ds.yem, ds.yea, ds.yxm, ds.yxa], inp: y, rows: g)

        // Attention, with the backward of the masks on its inputs (q, k, v node-masked, e1, e2 pair-masked;
        // their gradient slots start at zero and have no other writer).
        try d.attentionBackward(dq: ds.q, dk: ds.k, dv: ds.v, de1: ds.e1, de2: ds.e2, dscores: ds.scores, dweightedV: ds.wv,
                                q: s.q, k: s.k, v: s.v, e1: s.e1, probs: s.probs, nodeMask: nodeMask,
                                graphs: g, n: n, dim: dx, heads: heads, maskInputGradients: true)
        try Linear.backward([eMul, eAdd], p, dinp: dE, douts: [ds.e1, ds.e2], inp: e, rows: re)
        try Linear.backward([q, k, v], p, dinp: dX, douts: [ds.q, ds.k, ds.v], inp: x, rows: rn)
    }
}
