import Compute

extension GraphTransformer {
    public func makeWorkspace(device: Device, capacity: Int, training: Bool) throws -> Workspace {
        guard capacity > 0 else { throw ModelError.invalidConfig("batch capacity \(capacity) must be > 0") }
        return try Workspace(model: self, device: device, capacity: capacity, training: training)
    }

    /// The y branch from the workspace's own y, one row per graph, into its input activations (which
    /// the backward reads).
    private func embedWorkspaceY(_ p: Parameters, _ w: Workspace, graphs g: Int) throws -> ConditionEmbedding {
        let i = w.inBlock
        try classX.forward(p, i.classX, inp: w.y0, rows: g)
        try classE.forward(p, i.classE, inp: w.y0, rows: g)
        try yIn.forward(p, i.yIn, inp: w.y0, rows: g)
        return ConditionEmbedding(cX: i.classX.out, cE: i.classE.out, yh: i.yh, rows: g)
    }

    /// Computes `w.xLogits` and `w.eLogits` for the first `graphs` graphs of the workspace inputs.
    /// With `conditions` (r rows, r dividing `graphs`), the y branch comes from them, not from `w.y0`:
    /// graph i takes row i / (graphs / r), so consecutive blocks of graphs share a y (a sampler's passes).
    public func forward(_ p: Parameters, _ w: Workspace, graphs g: Int, conditions: ConditionEmbedding? = nil) throws {
        guard g > 0, g <= w.capacity else { throw ModelError.invalidConfig("batch of \(g) graphs does not fit a workspace of \(w.capacity)") }
        if let r = conditions?.rows {
            guard g % r == 0 else { throw ModelError.invalidConfig("\(r) condition rows do not split a batch of \(g) graphs evenly") }
            guard !w.training else { throw ModelError.invalidConfig("embedded conditions are for sampling: the backward reads y's branch from the workspace") }
        }
        let c = config, d = p.device, n = w.n, rn = g * n, re = g * n * n, i = w.inBlock
        let cxw = c.dx - c.nodeEmbed, cew = c.de - c.edgeEmbed

        // Node input: MLP, then in one pass the class embedding of y concatenated, positions added,
        // padding zeroed.
        try xIn.forward(p, i.xIn, inp: w.x0, rows: rn)
        let y = try conditions ?? embedWorkspaceY(p, w, graphs: g)
        let perRow = g / y.rows   // graphs that share one row of y
        try d.concatBroadcastForward(out: i.x, a: i.xIn.out, b: y.cX, graphs: y.rows, positions: perRow * n, dimA: c.nodeEmbed, dimB: cxw,
                                     positional: (w.positional.all, n), mask: RowMask(nodeMask: w.nodeMask, n: n, pairs: false))

        // Edge input: MLP, then in one pass symmetrised, the class embedding concatenated, padding zeroed.
        try eIn.forward(p, i.eIn, inp: w.e0, rows: re)
        try d.concatBroadcastForward(out: i.e, a: i.eIn.out, b: y.cE, graphs: y.rows, positions: perRow * n * n, dimA: c.edgeEmbed, dimB: cew,
                                     symmetricPairs: n, mask: RowMask(nodeMask: w.nodeMask, n: n, pairs: true))

        // Global input: one row per graph for the layers.
        if perRow > 1 { try d.repeatRows(out: i.yh, inp: y.yh, rows: y.rows, times: perRow, dim: c.dy) }
        let yh = perRow > 1 ? i.yh : y.yh

        var x = i.x, e = i.e, yl = yh
        for (li, layer) in layers.enumerated() {
            let s = w.acts(layer: li)
            try layer.forward(p, s, x: x, e: e, y: c.chainY ? yl : yh, nodeMask: w.nodeMask, graphs: g, n: n, keepProbs: w.training,
                              packedEdgeWeights: p.packedEdgeWeights?[li])
            x = s.xOut; e = s.eOut; yl = s.yOut
        }

        // A predictor: the head on the last layer's y, one number per graph.
        let o = w.out
        if let head {
            try head.forward(p, o.head, inp: yl, rows: g)
            return
        }
        guard let m = outputs else { return }

        // Outputs: logits plus the one-hot input (DiGress's residual), masked; E symmetric, no diagonal
        // (one pass: the residual, the symmetrisation and the mask).
        try m.x.forward(p, o.outX, inp: x, rows: rn)
        try d.add(out: o.xLogits, o.outX.out.rows(rn), w.x0.rows(rn))
        try d.applyNodeMask(o.xLogits, nodeMask: w.nodeMask, graphs: g, n: n, dim: c.nodeClasses)
        try m.e.forward(p, o.outE, inp: e, rows: re)
        try d.symmetrizePairs(out: o.eLogits, inp: o.outE.out.rows(re), graphs: g, n: n, dim: c.edgeClasses,
                              residual: w.e0.rows(re), nodeMask: w.nodeMask, zeroDiagonal: true)
    }
}
