import Compute

// One XEy transformer layer (dinas-spec §3.3–3.4): node–edge attention with per-channel softmax,
// FiLM of the edge scores and node outputs by y, a global y update from pooled X and E, then
// post-LayerNorm residuals and feed-forward blocks for X, E and y. Dropout is not used (we train
// with p = 0; DiNAS's 0.1 is a departure documented in the README).

struct TransformerLayer: Sendable {
    let q, k, v, eMul, eAdd, eOut, xOut: Linear
    let yeMul, yeAdd, yxMul, yxAdd, yy, xToY, eToY: Linear
    /// y's update after the sum of yy(y), xToY(pooled X) and eToY(pooled E).
    let yUpdate: MLP
    let ffX, ffE, ffY: MLP
    /// After the attention (1) and after the feed-forward block (2).
    let normX1, normE1, normY1, normX2, normE2, normY2: ResidualNorm
    let dx: Int, de: Int, dy: Int, heads: Int

    init(_ name: String, _ c: ModelConfig, _ layout: inout ParameterLayout) {
        dx = c.dx; de = c.de; dy = c.dy; heads = c.heads
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
        // The parameter layout follows this order (checkpoints and the batched products rely on it).
        yUpdate = MLP(Linear(a + "y_out.0", dy, dy, &layout), Linear(a + "y_out.2", dy, dy, &layout))
        ffX = MLP(Linear(name + ".linX1", dx, c.ffX, &layout), Linear(name + ".linX2", c.ffX, dx, &layout))
        ffE = MLP(Linear(name + ".linE1", de, c.ffE, &layout), Linear(name + ".linE2", c.ffE, de, &layout))
        ffY = MLP(Linear(name + ".lin_y1", dy, c.ffY, &layout), Linear(name + ".lin_y2", c.ffY, dy, &layout))
        normX1 = ResidualNorm(norm: LayerNorm(name + ".normX1", dx, &layout))
        normE1 = ResidualNorm(norm: LayerNorm(name + ".normE1", de, &layout))
        normY1 = ResidualNorm(norm: LayerNorm(name + ".norm_y1", dy, &layout))
        normX2 = ResidualNorm(norm: LayerNorm(name + ".normX2", dx, &layout))
        normE2 = ResidualNorm(norm: LayerNorm(name + ".normE2", de, &layout))
        normY2 = ResidualNorm(norm: LayerNorm(name + ".norm_y2", dy, &layout))
    }

    var linears: [Linear] {
        [q, k, v, eMul, eAdd, eOut, xOut, yeMul, yeAdd, yxMul, yxAdd, yy, xToY, eToY] + [yUpdate, ffX, ffE, ffY].flatMap { [$0.first, $0.second] }
    }
    var norms: [LayerNorm] { [normX1, normE1, normY1, normX2, normE2, normY2].map(\.norm) }

    /// Everything the forward pass writes, for a batch of `graphs` graphs of `n` nodes (rn node rows,
    /// re pair rows, g graphs).
    struct Acts {
        /// Attention inputs, rn × dx each (one batched product: adjacent, equal sizes).
        var q, k, v: View
        /// The attention's node output Σ softmax·v, rn × dx (training only: the backward's FiLM input).
        var weightedV: View
        /// weightedV FiLM'd by y, rn × dx; then the node update xOut(filmedV), rn × dx.
        var filmedV, nodeUpdate: View
        /// The edge inputs of the scores, eMul(E) and eAdd(E), re × dx each (not stored when a GPU
        /// fuses them into the attention while sampling).
        var eMul, eAdd: View
        /// The raw edge scores and their softmax over the source nodes, re × dx each (training only).
        var scores, probs: View
        /// scores FiLM'd by y, re × dx; then the edge update eOut(filmedScores), re × de.
        var filmedScores, edgeUpdate: View
        /// y's FiLM maps for the edge scores and the node output, g × dx each (one batched product).
        var yEMul, yEAdd, yXMul, yXAdd: View
        /// Pooled layer inputs (mean, min, max, std), g × 4dx and g × 4de.
        var poolX, poolE: View
        /// yy(y) + xToY(poolX) + eToY(poolE), g × dy; yUpdate's activations (out: the y update).
        var ySum: View
        var yUpdate: MLP.Acts
        /// LayerNorm(x + nodeUpdate), the feed-forward block, LayerNorm(x1 + ffX): the layer's X output.
        var normX1: ResidualNorm.Acts, ffX: MLP.Acts, normX2: ResidualNorm.Acts
        var normE1: ResidualNorm.Acts, ffE: MLP.Acts, normE2: ResidualNorm.Acts
        var normY1: ResidualNorm.Acts, ffY: MLP.Acts, normY2: ResidualNorm.Acts

        /// The layer's outputs: rn × dx, re × de, g × dy.
        var xOut: View { normX2.out }
        var eOut: View { normE2.out }
        var yOut: View { normY2.out }

        /// `keepProbs` (training): also the slots only the backward reads or only a gradient uses — the
        /// raw scores, the probabilities, the attention's node output before y's FiLM and the MLPs'
        /// pre-activations (the forward writes the ReLU output directly). Sampling workspaces leave them
        /// out (~66 MB per layer set for the dinas preset at batch 384). `edgeInputs`: whether eMul and
        /// eAdd are stored (not when sampling runs the fused edge attention, Device.fusesEdgeAttention).
        init(_ a: inout Arena, _ l: TransformerLayer, graphs: Int, n: Int, keepProbs: Bool, edgeInputs: Bool) {
            let rn = graphs * n, re = graphs * n * n, rg = graphs
            func kept(_ rows: Int, _ width: Int) -> View { a.take(rows: keepProbs ? rows : 0, width: width) }
            q = a.take(rows: rn, width: l.dx); k = a.take(rows: rn, width: l.dx); v = a.take(rows: rn, width: l.dx)
            weightedV = kept(rn, l.dx); filmedV = a.take(rows: rn, width: l.dx); nodeUpdate = a.take(rows: rn, width: l.dx)
            eMul = a.take(rows: edgeInputs ? re : 0, width: l.dx); eAdd = a.take(rows: edgeInputs ? re : 0, width: l.dx)
            scores = kept(re, l.dx); probs = kept(re, l.dx)
            filmedScores = a.take(rows: re, width: l.dx); edgeUpdate = a.take(rows: re, width: l.de)
            yEMul = a.take(rows: rg, width: l.dx); yEAdd = a.take(rows: rg, width: l.dx)
            yXMul = a.take(rows: rg, width: l.dx); yXAdd = a.take(rows: rg, width: l.dx)
            poolX = a.take(rows: rg, width: 4 * l.dx); poolE = a.take(rows: rg, width: 4 * l.de)
            ySum = a.take(rows: rg, width: l.dy)
            yUpdate = MLP.Acts(&a, l.yUpdate, rows: rg, training: keepProbs)
            normX1 = ResidualNorm.Acts(&a, l.normX1, rows: rn); ffX = MLP.Acts(&a, l.ffX, rows: rn, training: keepProbs)
            normX2 = ResidualNorm.Acts(&a, l.normX2, rows: rn)
            normE1 = ResidualNorm.Acts(&a, l.normE1, rows: re); ffE = MLP.Acts(&a, l.ffE, rows: re, training: keepProbs)
            normE2 = ResidualNorm.Acts(&a, l.normE2, rows: re)
            normY1 = ResidualNorm.Acts(&a, l.normY1, rows: rg); ffY = MLP.Acts(&a, l.ffY, rows: rg, training: keepProbs)
            normY2 = ResidualNorm.Acts(&a, l.normY2, rows: rg)
        }
    }

    func forward(_ p: Parameters, _ s: Acts, x: View, e: View, y: View, nodeMask: View, graphs g: Int, n: Int, keepProbs: Bool,
                 packedEdgeWeights: View? = nil) throws {
        let d = p.device, rn = g * n, re = g * n * n
        let nodes = RowMask(nodeMask: nodeMask, n: n, pairs: false), pairs = RowMask(nodeMask: nodeMask, n: n, pairs: true)
        // Node–edge attention.
        // Layers of one input and shape run as one product each (their views lie at equal strides).
        try Linear.forward([q, k, v], p, outs: [s.q, s.k, s.v], inp: x, rows: rn, mask: nodes)
        try Linear.forward([yeMul, yeAdd, yxMul, yxAdd], p, outs: [s.yEMul, s.yEAdd, s.yXMul, s.yXAdd], inp: y, rows: g)
        // Edge update from the pre-softmax scores and node update from the attention output, each
        // FiLM'd by y. Training keeps eMul, the raw scores and the weighted v for the backward; sampling
        // computes both edge inputs inside the attention on a GPU and lets it write the FiLM'd scores
        // and node output straight away.
        if keepProbs {
            try Linear.forward([eMul, eAdd], p, outs: [s.eMul, s.eAdd], inp: e, rows: re, mask: pairs)
            try d.attentionForward(scores: s.scores, probs: s.probs, weightedV: s.weightedV, q: s.q, k: s.k, v: s.v,
                                   e1: s.eMul, e2: s.eAdd, nodeMask: nodeMask, graphs: g, n: n, dim: dx, heads: heads)
            try d.filmForward(out: s.filmedScores, inp: s.scores, mul: s.yEMul, add: s.yEAdd, graphs: g, positions: n * n, dim: dx)
            try d.filmForward(out: s.filmedV, inp: s.weightedV, mul: s.yXMul, add: s.yXAdd, graphs: g, positions: n, dim: dx)
        } else {
            try d.edgeAttentionForward(fe: s.filmedScores, filmedV: s.filmedV, e: e, eMul: eMul.parameters(p), eAdd: eAdd.parameters(p),
                                       e1: s.eMul, e2: s.eAdd, q: s.q, k: s.k, v: s.v, nodeMask: nodeMask,
                                       graphs: g, n: n, dim: dx, edgeDim: de, heads: heads,
                                       edgeFilm: (s.yEMul, s.yEAdd), nodeFilm: (s.yXMul, s.yXAdd), packedWeights: packedEdgeWeights)
        }
        try eOut.forward(p, out: s.edgeUpdate, inp: s.filmedScores, rows: re, mask: pairs)
        try xOut.forward(p, out: s.nodeUpdate, inp: s.filmedV, rows: rn, mask: nodes)
        // Global update from the layer inputs.
        try d.poolForward(out: s.poolX, inp: x, graphs: g, positions: n, dim: dx)
        try d.poolForward(out: s.poolE, inp: e, graphs: g, positions: n * n, dim: de)
        // Residual + LayerNorm, then feed-forward + residual + LayerNorm, for X and E; y below.
        try normX1.forward(p, s.normX1, a: x, b: s.nodeUpdate, rows: rn, training: keepProbs)
        try normE1.forward(p, s.normE1, a: e, b: s.edgeUpdate, rows: re, training: keepProbs)

        try ffX.forward(p, s.ffX, inp: s.normX1.out, rows: rn)
        // Padded nodes and pairs leave the layer as zeros (the mask): otherwise LayerNorm(0) = β (plus
        // the feed-forward output) would enter the next layer's pooled statistics and so y.
        try normX2.forward(p, s.normX2, a: s.normX1.out, b: s.ffX.out, rows: rn, mask: nodes, training: keepProbs)
        try ffE.forward(p, s.ffE, inp: s.normE1.out, rows: re)
        try normE2.forward(p, s.normE2, a: s.normE1.out, b: s.ffE.out, rows: re, mask: pairs, training: keepProbs)

        // Global update from y and the pooled layer inputs (one reduction for the three products on a GPU).
        try d.linearSumForward(out: s.ySum, terms: [(yy, y), (xToY, s.poolX), (eToY, s.poolE)].map { layer, inp in
            let (weight, bias) = layer.parameters(p)
            return LinearTerm(inp: inp, weight: weight, bias: bias, inDim: layer.inDim)
        }, rows: g, outDim: dy)
        try yUpdate.forward(p, s.yUpdate, inp: s.ySum, rows: g)
        try normY1.forward(p, s.normY1, a: y, b: s.yUpdate.out, rows: g, training: keepProbs)
        try ffY.forward(p, s.ffY, inp: s.normY1.out, rows: g)
        try normY2.forward(p, s.normY2, a: s.normY1.out, b: s.ffY.out, rows: g, training: keepProbs)
    }

    /// `ds` holds the gradients of the activations in `s` (same layout); the caller has put the
    /// gradients of the outputs into ds.xOut/eOut/yOut. Accumulates into dx, de, dy (the inputs).
    func backward(_ p: Parameters, _ s: Acts, _ ds: Acts, x: View, e: View, y: View, dx dX: View, de dE: View, dy dY: View,
                  nodeMask: View, graphs g: Int, n: Int) throws {
        let d = p.device, rn = g * n, re = g * n * n
        try d.applyNodeMask(ds.xOut, nodeMask: nodeMask, graphs: g, n: n, dim: dx)
        try d.applyPairMask(ds.eOut, nodeMask: nodeMask, graphs: g, n: n, dim: de, zeroDiagonal: false)
        // Feed-forward blocks: LN2 → residual → FF.
        try normY2.backward(p, s.normY2, ds.normY2, da: ds.normY1.out, rows: g)
        try ffY.backward(p, s.ffY, ds.ffY.with(out: ds.normY2.sum), inp: s.normY1.out, dinp: ds.normY1.out, rows: g)
        try normE2.backward(p, s.normE2, ds.normE2, da: ds.normE1.out, rows: re)
        try ffE.backward(p, s.ffE, ds.ffE.with(out: ds.normE2.sum), inp: s.normE1.out, dinp: ds.normE1.out, rows: re)
        try normX2.backward(p, s.normX2, ds.normX2, da: ds.normX1.out, rows: rn)
        try ffX.backward(p, s.ffX, ds.ffX.with(out: ds.normX2.sum), inp: s.normX1.out, dinp: ds.normX1.out, rows: rn)

        // First residual + LayerNorm: d(residual) flows to the input and to the block's update.
        try normY1.backward(p, s.normY1, ds.normY1, da: dY, rows: g)
        try normE1.backward(p, s.normE1, ds.normE1, da: dE, rows: re)
        try normX1.backward(p, s.normX1, ds.normX1, da: dX, rows: rn)

        // Global y update (yUpdate(yy(y) + xToY(poolX) + eToY(poolE))).
        try yUpdate.backward(p, s.yUpdate, ds.yUpdate.with(out: ds.normY1.sum), inp: s.ySum, dinp: ds.ySum, rows: g)
        try yy.backward(p, dinp: dY, dout: ds.ySum, inp: y, rows: g)
        try xToY.backward(p, dinp: ds.poolX, dout: ds.ySum, inp: s.poolX, rows: g)
        try eToY.backward(p, dinp: ds.poolE, dout: ds.ySum, inp: s.poolE, rows: g)
        try d.poolBackward(dinp: dX, dout: ds.poolX, inp: x, out: s.poolX, graphs: g, positions: n, dim: dx)
        try d.poolBackward(dinp: dE, dout: ds.poolE, inp: e, out: s.poolE, graphs: g, positions: n * n, dim: de)

        // Node update: nodeUpdate = mask(xOut(FiLM(weightedV; yXMul, yXAdd))).
        try d.applyNodeMask(ds.normX1.sum, nodeMask: nodeMask, graphs: g, n: n, dim: dx)
        try xOut.backward(p, dinp: ds.filmedV, dout: ds.normX1.sum, inp: s.filmedV, rows: rn)
        try d.filmBackward(dinp: ds.weightedV, dmul: ds.yXMul, dadd: ds.yXAdd, dout: ds.filmedV, inp: s.weightedV, mul: s.yXMul,
                           graphs: g, positions: n, dim: dx)

        // Edge update: edgeUpdate = mask(eOut(FiLM(scores; yEMul, yEAdd))).
        try d.applyPairMask(ds.normE1.sum, nodeMask: nodeMask, graphs: g, n: n, dim: de, zeroDiagonal: false)
        try eOut.backward(p, dinp: ds.filmedScores, dout: ds.normE1.sum, inp: s.filmedScores, rows: re)
        try d.filmBackward(dinp: ds.scores, dmul: ds.yEMul, dadd: ds.yEAdd, dout: ds.filmedScores, inp: s.scores, mul: s.yEMul,
                           graphs: g, positions: n * n, dim: dx)
        try Linear.backward([yeMul, yeAdd, yxMul, yxAdd], p, dinp: dY, douts: [ds.yEMul, ds.yEAdd, ds.yXMul, ds.yXAdd], inp: y, rows: g)

        // Attention, with the backward of the masks on its inputs (q, k, v node-masked, eMul, eAdd
        // pair-masked; their gradient slots start at zero and have no other writer).
        try d.attentionBackward(dq: ds.q, dk: ds.k, dv: ds.v, de1: ds.eMul, de2: ds.eAdd, dscores: ds.scores, dweightedV: ds.weightedV,
                                q: s.q, k: s.k, v: s.v, e1: s.eMul, probs: s.probs, nodeMask: nodeMask,
                                graphs: g, n: n, dim: dx, heads: heads, maskInputGradients: true)
        try Linear.backward([eMul, eAdd], p, dinp: dE, douts: [ds.eMul, ds.eAdd], inp: e, rows: re)
        try Linear.backward([q, k, v], p, dinp: dX, douts: [ds.q, ds.k, ds.v], inp: x, rows: rn)
    }
}
