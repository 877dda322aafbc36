import Compute

// The forward's y branch before the layers — the class embeddings cX, cE and the global features
// yh, three two-layer MLPs of y alone — for a list of distinct y vectors, computed once. A sampler's
// y depends only on the step and the guidance pass, not on the graph, so one GEMM chain over
// steps × passes rows replaces six small GEMMs per step that a GPU spends more time launching than
// computing.

public struct ConditionEmbedding: Sendable {
    /// rows × (dx − nodeEmbed), rows × (de − edgeEmbed), rows × dy.
    let cX, cE, yh: View
    public let rows: Int

    /// Rows start..<start + count, e.g. the passes of one step.
    public func rows(_ start: Int, _ count: Int) -> ConditionEmbedding {
        precondition(start >= 0 && count > 0 && start + count <= rows, "rows \(start)..<\(start + count) of \(rows)")
        func part(_ v: View) -> View { let w = v.count / rows; return v.sub(start * w, count * w) }
        return ConditionEmbedding(cX: part(cX), cE: part(cE), yh: part(yh), rows: count)
    }
}

extension GraphTransformer {
    /// cX, cE and yh for `rows` vectors y (rows × conditionWidth), in new buffers.
    public func embedConditions(_ p: Parameters, y: View, rows: Int) throws -> ConditionEmbedding {
        let c = config, d = p.device, cxw = c.dx - c.nodeEmbed, cew = c.de - c.edgeEmbed
        guard rows > 0, y.count >= rows * c.conditionWidth else {
            throw ModelError.invalidConfig("\(rows) condition rows need \(rows * c.conditionWidth) floats, y holds \(y.count)")
        }
        let hidden = try d.makeBuffer(count: rows * max(cxw, cew, c.hiddenInY)).view(0, rows * max(cxw, cew, c.hiddenInY))
        let out = try d.makeBuffer(count: rows * (cxw + cew + c.dy))
        let e = ConditionEmbedding(cX: out.view(0, rows * cxw), cE: out.view(rows * cxw, rows * cew),
                                   yh: out.view(rows * (cxw + cew), rows * c.dy), rows: rows)
        try classX.forward(p, hidden: hidden, out: e.cX, inp: y, rows: rows)
        try classE.forward(p, hidden: hidden, out: e.cE, inp: y, rows: rows)
        try yIn.forward(p, hidden: hidden, out: e.yh, inp: y, rows: rows)
        return e
    }
}
