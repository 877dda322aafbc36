import Compute

// The two composite blocks the model repeats: a two-layer MLP and a post-norm residual. Each owns its
// activations (named, with their shapes), its forward and its backward, so the layers and the input
// and output stages call them.

/// Linear → ReLU → Linear, optionally → ReLU: the feed-forward blocks, y's update, the input MLPs
/// (ReLU at the end too) and the output MLPs.
struct MLP: Sendable {
    let first: Linear, second: Linear
    /// A ReLU after the second Linear as well (the input MLPs).
    let reluOut: Bool

    init(_ first: Linear, _ second: Linear, reluOut: Bool = false) {
        self.first = first; self.second = second; self.reluOut = reluOut
    }

    var hiddenDim: Int { first.outDim }
    var outDim: Int { second.outDim }

    struct Acts {
        /// rows × hidden, before the first ReLU: a gradient slot only (the forward fuses the ReLU).
        var preReLU: View
        /// rows × hidden, after the first ReLU.
        var hidden: View
        /// rows × out, before the last ReLU (with `reluOut`): a gradient slot only.
        var preOut: View
        /// rows × out.
        var out: View

        /// `training`: with the gradient-only slots (sampling workspaces leave them empty).
        init(_ a: inout Arena, _ m: MLP, rows: Int, training: Bool) {
            preReLU = a.take(rows: training ? rows : 0, width: m.hiddenDim)
            hidden = a.take(rows: rows, width: m.hiddenDim)
            preOut = a.take(rows: training && m.reluOut ? rows : 0, width: m.outDim)
            out = a.take(rows: rows, width: m.outDim)
        }

        /// The same slots with `out` elsewhere: a gradient set whose d(out) is another block's d(input)
        /// (a residual's d(a + b)), so the backward reads it where it was written.
        func with(out: View) -> Acts { var c = self; c.out = out; return c }
    }

    /// `mask`: the output rows times the padding mask (fused into the second product).
    func forward(_ p: Parameters, _ s: Acts, inp: View, rows: Int, mask: RowMask? = nil) throws {
        try forward(p, hidden: s.hidden, out: s.out, inp: inp, rows: rows, mask: mask)
    }

    /// The forward into views of the caller's (the condition embeddings of a sampler keep their own).
    func forward(_ p: Parameters, hidden: View, out: View, inp: View, rows: Int, mask: RowMask? = nil) throws {
        try first.forward(p, out: hidden, inp: inp, rows: rows, relu: true)
        try second.forward(p, out: out, inp: hidden, rows: rows, mask: mask, relu: reluOut)
    }

    /// From d(out) in `ds.out`: the parameters' gradients, and d(inp) added into `dinp` when given.
    func backward(_ p: Parameters, _ s: Acts, _ ds: Acts, inp: View, dinp: View?, rows: Int) throws {
        let d = p.device
        var dout = ds.out
        if reluOut {
            try d.reluBackward(dinp: ds.preOut.rows(rows), dout: ds.out.rows(rows), out: s.out.rows(rows))
            dout = ds.preOut
        }
        try second.backward(p, dinp: ds.hidden, dout: dout, inp: s.hidden, rows: rows)
        try d.reluBackward(dinp: ds.preReLU.rows(rows), dout: ds.hidden.rows(rows), out: s.hidden.rows(rows))
        try first.backward(p, dinp: dinp, dout: ds.preReLU, inp: inp, rows: rows)
    }
}

/// out = LayerNorm(a + b), times the padding mask when given: the layers' post-norm residuals.
struct ResidualNorm: Sendable {
    let norm: LayerNorm

    struct Acts {
        /// rows × dim: a + b, the backward's input (a GPU writes it only when training).
        var sum: View
        /// rows each.
        var mean: View, rstd: View
        /// rows × dim.
        var out: View

        init(_ a: inout Arena, _ r: ResidualNorm, rows: Int) {
            sum = a.take(rows: rows, width: r.norm.dim)
            out = a.take(rows: rows, width: r.norm.dim)
            mean = a.take(rows)
            rstd = a.take(rows)
        }
    }

    func forward(_ p: Parameters, _ s: Acts, a: View, b: View, rows: Int, mask: RowMask? = nil, training: Bool) throws {
        try norm.forward(p, out: s.out, mean: s.mean, rstd: s.rstd, sum: s.sum, a: a, b: b, rows: rows, mask: mask, training: training)
    }

    /// From d(out) in `ds.out`: d(a + b) into `ds.sum`, which is d(b), and added into `da` (the residual).
    func backward(_ p: Parameters, _ s: Acts, _ ds: Acts, da: View, rows: Int) throws {
        try norm.backward(p, dinp: ds.sum, dout: ds.out, inp: s.sum, mean: s.mean, rstd: s.rstd, rows: rows)
        try p.device.axpby(da.rows(rows), ds.sum.rows(rows), a: 1, b: 1)
    }
}
