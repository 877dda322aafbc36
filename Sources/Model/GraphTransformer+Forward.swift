import Compute

extension GraphTransformer {
    public func makeWorkspace(device: Device, capacity: Int, training: Bool) throws -> Workspace {
        guard capacity > 0 else { throw ModelError.invalidConfig("batch capacity \(capacity) must be > 0") }
        return try Workspace(model: self, device: device, capacity: capacity, training: training)
    }

    /// Computes `w.xLogits` and `w.eLogits` for the first `graphs` graphs of the workspace inputs.
    public func forward(_ p: Parameters, _ w: Workspace, graphs g: Int) throws {
        guard g > 0, g <= w.capacity else { throw ModelError.invalidConfig("batch of \(g) graphs does not fit a workspace of \(w.capacity)") }
        let c = config, d = p.device, n = w.n, rn = g * n, re = g * n * n, i = w.inBlock
        let cxw = c.dx - c.nodeEmbed, cew = c.de - c.edgeEmbed

        // Node input: MLP, class embedding of y concatenated, positions added, padding zeroed.
        try xIn1.forward(p, out: i.xa, inp: w.x0, rows: rn); try d.reluForward(out: i.xb.sub(0, rn * c.hiddenInX), inp: i.xa.sub(0, rn * c.hiddenInX))
        try xIn2.forward(p, out: i.xc, inp: i.xb, rows: rn); try d.reluForward(out: i.xd.sub(0, rn * c.nodeEmbed), inp: i.xc.sub(0, rn * c.nodeEmbed))
        try cX1.forward(p, out: i.cxa, inp: w.y0, rows: g); try d.reluForward(out: i.cxb.sub(0, g * cxw), inp: i.cxa.sub(0, g * cxw))
        try cX2.forward(p, out: i.cX, inp: i.cxb, rows: g)
        try d.concatBroadcastForward(out: i.x, a: i.xd, b: i.cX, graphs: g, positions: n, dimA: c.nodeEmbed, dimB: cxw)
        try d.addPerPosition(i.x, table: w.positional.all, graphs: g, positions: n, dim: c.dx)
        try d.applyNodeMask(i.x, nodeMask: w.nodeMask, graphs: g, n: n, dim: c.dx)

        // Edge input: MLP, class embedding concatenated, symmetrised, padding zeroed.
        try eIn1.forward(p, out: i.ea, inp: w.e0, rows: re); try d.reluForward(out: i.eb.sub(0, re * c.hiddenInE), inp: i.ea.sub(0, re * c.hiddenInE))
        try eIn2.forward(p, out: i.ec, inp: i.eb, rows: re); try d.reluForward(out: i.ed.sub(0, re * c.edgeEmbed), inp: i.ec.sub(0, re * c.edgeEmbed))
        try cE1.forward(p, out: i.cea, inp: w.y0, rows: g); try d.reluForward(out: i.ceb.sub(0, g * cew), inp: i.cea.sub(0, g * cew))
        try cE2.forward(p, out: i.cE, inp: i.ceb, rows: g)
        try d.concatBroadcastForward(out: i.eCat, a: i.ed, b: i.cE, graphs: g, positions: n * n, dimA: c.edgeEmbed, dimB: cew)
        try d.symmetrizePairs(out: i.e, inp: i.eCat, graphs: g, n: n, dim: c.de)
        try d.applyPairMask(i.e, nodeMask: w.nodeMask, graphs: g, n: n, dim: c.de, zeroDiagonal: false)

        // Global input.
        try yIn1.forward(p, out: i.ya, inp: w.y0, rows: g); try d.reluForward(out: i.yb.sub(0, g * c.hiddenInY), inp: i.ya.sub(0, g * c.hiddenInY))
        try yIn2.forward(p, out: i.yc, inp: i.yb, rows: g); try d.reluForward(out: i.yh.sub(0, g * c.dy), inp: i.yc.sub(0, g * c.dy))

        var x = i.x, e = i.e, y = i.yh
        for (li, layer) in layers.enumerated() {
            let s = w.acts(layer: li)
            try layer.forward(p, s, x: x, e: e, y: c.chainY ? y : i.yh, nodeMask: w.nodeMask, graphs: g, n: n, keepProbs: w.training)
            x = s.xOut; e = s.eOut; y = s.yOut
        }

        // Outputs: logits plus the one-hot input (DiGress's residual), masked; E symmetric, no diagonal.
        let o = w.out
        try xOut1.forward(p, out: o.oxa, inp: x, rows: rn); try d.reluForward(out: o.oxb.sub(0, rn * c.hiddenOutX), inp: o.oxa.sub(0, rn * c.hiddenOutX))
        try xOut2.forward(p, out: o.oxc, inp: o.oxb, rows: rn)
        try d.add(out: o.xLogits, o.oxc.sub(0, rn * c.nodeClasses), w.x0.sub(0, rn * c.nodeClasses))
        try d.applyNodeMask(o.xLogits, nodeMask: w.nodeMask, graphs: g, n: n, dim: c.nodeClasses)
        try eOut1.forward(p, out: o.oea, inp: e, rows: re); try d.reluForward(out: o.oeb.sub(0, re * c.hiddenOutE), inp: o.oea.sub(0, re * c.hiddenOutE))
        try eOut2.forward(p, out: o.oec, inp: o.oeb, rows: re)
        try d.add(out: o.eMasked, o.oec.sub(0, re * c.edgeClasses), w.e0.sub(0, re * c.edgeClasses))
        try d.applyPairMask(o.eMasked, nodeMask: w.nodeMask, graphs: g, n: n, dim: c.edgeClasses, zeroDiagonal: true)
        try d.symmetrizePairs(out: o.eLogits, inp: o.eMasked, graphs: g, n: n, dim: c.edgeClasses)
    }
}
