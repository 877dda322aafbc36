// The arithmetic of one forward pass, for benchmarks' TFLOP/s: 2·rows·in·out per linear layer (rows =
// nodes, pairs or graphs, as the layer sees them) plus the attention's per-pair, per-channel work
// (score, FiLM, exp, weighted sum: ≈ 8 FLOP). Elementwise ops, norms and pooling are not counted.

extension GraphTransformer {
    public func forwardFLOPs(graphs g: Int) -> Double {
        let c = config, rn = Double(g * c.maxNodes), re = Double(g * c.maxNodes * c.maxNodes), rg = Double(g)
        func lin(_ rows: Double, _ a: Int, _ b: Int) -> Double { 2 * rows * Double(a) * Double(b) }
        let cx = c.dx - c.nodeEmbed, ce = c.de - c.edgeEmbed
        var f = lin(rn, c.nodeClasses, c.hiddenInX) + lin(rn, c.hiddenInX, c.nodeEmbed)
            + lin(re, c.edgeClasses, c.hiddenInE) + lin(re, c.hiddenInE, c.edgeEmbed)
            + lin(rg, c.conditionWidth, c.hiddenInY) + lin(rg, c.hiddenInY, c.dy)
            + lin(rg, c.conditionWidth, cx) + lin(rg, cx, cx) + lin(rg, c.conditionWidth, ce) + lin(rg, ce, ce)
        if let h = c.regressionHidden {
            f += lin(rg, c.dy, h) + lin(rg, h, 1)
        } else {
            f += lin(rn, c.dx, c.hiddenOutX) + lin(rn, c.hiddenOutX, c.nodeClasses)
                + lin(re, c.de, c.hiddenOutE) + lin(re, c.hiddenOutE, c.edgeClasses)
        }
        let layer = 4 * lin(rn, c.dx, c.dx) + 2 * lin(rn, c.dx, c.ffX) + 8 * re * Double(c.dx)
            + 2 * lin(re, c.de, c.dx) + lin(re, c.dx, c.de) + 2 * lin(re, c.de, c.ffE)
            + 4 * lin(rg, c.dy, c.dx) + 3 * lin(rg, c.dy, c.dy) + lin(rg, 4 * c.dx, c.dy) + lin(rg, 4 * c.de, c.dy)
            + 2 * lin(rg, c.dy, c.ffY)
        f += Double(c.layers) * layer
        return f
    }
}
