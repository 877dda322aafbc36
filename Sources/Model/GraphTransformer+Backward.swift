import Compute

/// The training loss of one batch: L = CE_nodes + λ·CE_pairs (dinas-spec §4.2).
public struct Loss: Sendable, Equatable {
    public var nodes: Double
    public var edges: Double
    public var edgeWeight: Double
    public var total: Double { nodes + edgeWeight * edges }
}

extension GraphTransformer {
    /// Cross-entropy of the logits in `w` against `w.targetsX`/`w.targetsE` (rows with target −1 are
    /// not counted), means over `nodeCount` real nodes and `pairCount` real off-diagonal pairs.
    public func loss(_ p: Parameters, _ w: Workspace, graphs g: Int, nodeCount: Int, pairCount: Int, edgeWeight: Float) throws -> Loss {
        let c = config, d = p.device, rn = g * w.n, re = rn * w.n
        try d.crossEntropy(losses: w.losses.prefix(rn), dlogits: nil, logits: w.out.xLogits, targets: w.targetsX, rows: rn, classes: c.nodeClasses, gradScale: 0)
        try d.crossEntropy(losses: w.losses.sub(rn, re), dlogits: nil, logits: w.out.eLogits, targets: w.targetsE, rows: re, classes: c.edgeClasses, gradScale: 0)
        return try sumLosses(d, w, rn: rn, re: re, nodeCount: nodeCount, pairCount: pairCount, edgeWeight: edgeWeight)
    }

    /// The same loss, and its gradient: fills `p.grads` (overwritten) with dL/dθ.
    @discardableResult
    public func lossAndBackward(_ p: Parameters, _ w: Workspace, graphs g: Int, nodeCount: Int, pairCount: Int,
                                edgeWeight: Float) throws -> Loss {
        let c = config, d = p.device, n = w.n, rn = g * n, re = g * n * n
        guard let dO = w.dOut else { throw ModelError.invalidConfig("backward needs a workspace made with training: true") }
        guard outputs != nil else { throw ModelError.invalidConfig("a predictor has no class logits: its loss is the caller's") }
        try zeroGradients(p, w)
        let lossX = w.losses.prefix(rn), lossE = w.losses.sub(rn, re)
        try d.crossEntropy(losses: lossX, dlogits: dO.xLogits, logits: w.out.xLogits, targets: w.targetsX, rows: rn,
                           classes: c.nodeClasses, gradScale: 1 / Float(max(nodeCount, 1)))
        try d.crossEntropy(losses: lossE, dlogits: edgeWeight == 0 ? nil : dO.eLogits, logits: w.out.eLogits, targets: w.targetsE,
                           rows: re, classes: c.edgeClasses, gradScale: edgeWeight / Float(max(pairCount, 1)))
        try self.backward(p, w, graphs: g)
        return try sumLosses(d, w, rn: rn, re: re, nodeCount: nodeCount, pairCount: pairCount, edgeWeight: edgeWeight)
    }

    /// Zeroes `p.grads`, every activation gradient of `w` and its input gradients: call before seeding
    /// the output gradient (`dPrediction`, or the logits' through `loss`) and running `backward`.
    public func zeroGradients(_ p: Parameters, _ w: Workspace) throws {
        guard let gb = w.grads else { throw ModelError.invalidConfig("backward needs a workspace made with training: true") }
        try p.device.zero(gb.all)
        if p.parameterGradients { try p.device.zero(p.grads.all) }
        if let dX0 = w.dX0, let dE0 = w.dE0 { try p.device.zero(dX0); try p.device.zero(dE0) }
    }

    /// The backward of `forward` from the output gradients seeded in `w` (a denoiser's d logits, a
    /// predictor's `dPrediction`) to every parameter (accumulated into `p.grads`) and, with
    /// `inputGradients`, to the one-hot inputs (`w.dX0`, `w.dE0`): what predictor guidance needs.
    public func backward(_ p: Parameters, _ w: Workspace, graphs g: Int, inputGradients: Bool = false) throws {
        let c = config, d = p.device, n = w.n, rn = g * n, re = g * n * n
        guard let dO = w.dOut, let di = w.dInBlock else {
            throw ModelError.invalidConfig("backward needs a workspace made with training: true")
        }
        let dX0 = inputGradients ? w.dX0 : nil, dE0 = inputGradients ? w.dE0 : nil

        // Output block.
        let o = w.out
        let last = w.acts(layer: layers.count - 1), dLast = w.dLayerActs[layers.count - 1]
        if let head {
            try head.backward(p, o.head, dO.head, inp: last.yOut, dinp: dLast.yOut, rows: g)
        }
        if let m = outputs {
            try d.symmetrizePairsBackward(dinp: dO.eMasked, dout: dO.eLogits, graphs: g, n: n, dim: c.edgeClasses)
            try d.applyPairMask(dO.eMasked, nodeMask: w.nodeMask, graphs: g, n: n, dim: c.edgeClasses, zeroDiagonal: true)
            try m.e.backward(p, o.outE, dO.outE.with(out: dO.eMasked), inp: last.eOut, dinp: dLast.eOut, rows: re)
            try d.applyNodeMask(dO.xLogits, nodeMask: w.nodeMask, graphs: g, n: n, dim: c.nodeClasses)
            try m.x.backward(p, o.outX, dO.outX.with(out: dO.xLogits), inp: last.xOut, dinp: dLast.xOut, rows: rn)
            // DiGress's residual: the logits include the one-hot inputs themselves.
            if let dX0, let dE0 {
                try d.axpby(dX0.rows(rn), dO.xLogits.rows(rn), a: 1, b: 1)
                try d.axpby(dE0.rows(re), dO.eMasked.rows(re), a: 1, b: 1)
            }
        }

        // Layers, last to first.
        let i = w.inBlock
        for li in stride(from: layers.count - 1, through: 0, by: -1) {
            let s = w.layerActs[li], ds = w.dLayerActs[li]
            let (x, e, dx, de) = li == 0 ? (i.x, i.e, di.x, di.e)
                : (w.layerActs[li - 1].xOut, w.layerActs[li - 1].eOut, w.dLayerActs[li - 1].xOut, w.dLayerActs[li - 1].eOut)
            let chained = c.chainY && li > 0
            let y = chained ? w.layerActs[li - 1].yOut : i.yh
            let dy = chained ? w.dLayerActs[li - 1].yOut : di.yh
            try layers[li].backward(p, s, ds, x: x, e: e, y: y, dx: dx, de: de, dy: dy, nodeMask: w.nodeMask, graphs: g, n: n)
        }

        // Input block.
        let cxw = c.dx - c.nodeEmbed, cew = c.de - c.edgeEmbed
        try yIn.backward(p, i.yIn, di.yIn, inp: w.y0, dinp: nil, rows: g)

        try d.applyPairMask(di.e, nodeMask: w.nodeMask, graphs: g, n: n, dim: c.de, zeroDiagonal: false)
        try d.symmetrizePairsBackward(dinp: di.eCat, dout: di.e, graphs: g, n: n, dim: c.de)
        try d.concatBroadcastBackward(da: di.eIn.out, db: di.classE.out, dout: di.eCat, graphs: g, positions: n * n, dimA: c.edgeEmbed, dimB: cew)
        try classE.backward(p, i.classE, di.classE, inp: w.y0, dinp: nil, rows: g)
        try eIn.backward(p, i.eIn, di.eIn, inp: w.e0, dinp: dE0, rows: re)

        try d.applyNodeMask(di.x, nodeMask: w.nodeMask, graphs: g, n: n, dim: c.dx)
        try d.concatBroadcastBackward(da: di.xIn.out, db: di.classX.out, dout: di.x, graphs: g, positions: n, dimA: c.nodeEmbed, dimB: cxw)
        try classX.backward(p, i.classX, di.classX, inp: w.y0, dinp: nil, rows: g)
        try xIn.backward(p, i.xIn, di.xIn, inp: w.x0, dinp: dX0, rows: rn)
    }

    private func sumLosses(_ d: Device, _ w: Workspace, rn: Int, re: Int, nodeCount: Int, pairCount: Int, edgeWeight: Float) throws -> Loss {
        let values = try d.download(w.losses.prefix(rn + re))
        var sx = 0.0, se = 0.0
        for r in 0..<rn { sx += Double(values[r]) }
        for r in rn..<(rn + re) { se += Double(values[r]) }
        return Loss(nodes: sx / Double(max(nodeCount, 1)), edges: se / Double(max(pairCount, 1)), edgeWeight: Double(edgeWeight))
    }
}
