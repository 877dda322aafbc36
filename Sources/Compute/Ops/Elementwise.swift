// Elementwise ops: fill, ReLU, residual add, y = a·x + b·y.
// Convention for all ops: forward ops overwrite their outputs; backward ops ADD into every gradient
// they produce (llm.c style), so the caller zeroes gradients once per step and fan-out just works.

public extension Device {
    func fill(_ x: View, _ value: Float) throws {
        if let cl { return try cl.launch(.fill, [.view(x), .float(value), .int(x.count)], global: [x.count]) }
        let p = x.ptr
        Parallel.forChunks(x.count) { r in (p.p + r.lowerBound).update(repeating: value, count: r.count) }
    }

    func zero(_ x: View) throws { try fill(x, 0) }

    /// out = max(inp, 0)
    func reluForward(out: View, inp: View) throws {
        let n = inp.count
        try require("relu", out, n, "out")
        if let cl { return try cl.launch(.reluForward, [.view(out), .view(inp), .int(n)], global: [n]) }
        let o = out.ptr, x = inp.ptr
        Parallel.forChunks(n) { r in for i in r { o[i] = max(x[i], 0) } }
    }

    /// dinp += dout · [out > 0]
    func reluBackward(dinp: View, dout: View, out: View) throws {
        let n = out.count
        try require("relu backward", dinp, n, "dinp"); try require("relu backward", dout, n, "dout")
        if let cl { return try cl.launch(.reluBackward, [.view(dinp), .view(dout), .view(out), .int(n)], global: [n]) }
        let d = dinp.ptr, g = dout.ptr, o = out.ptr
        Parallel.forChunks(n) { r in for i in r { d[i] += o[i] > 0 ? g[i] : 0 } }
    }

    /// out = a + b
    func add(out: View, _ a: View, _ b: View) throws {
        let n = a.count
        try require("add", b, n, "b"); try require("add", out, n, "out")
        if let cl { return try cl.launch(.add, [.view(out), .view(a), .view(b), .int(n)], global: [n]) }
        let o = out.ptr, x = a.ptr, y = b.ptr
        Parallel.forChunks(n) { r in for i in r { o[i] = x[i] + y[i] } }
    }

    /// y = a·x + b·y. With b = 1 this accumulates a gradient (dx += dy); with a = 1+w, b = −w and
    /// y holding the unconditional logits it is classifier-free guidance.
    func axpby(_ y: View, _ x: View, a: Float, b: Float) throws {
        let n = x.count
        try require("axpby", y, n, "y")
        if let cl { return try cl.launch(.axpby, [.view(y), .view(x), .float(a), .float(b), .int(n)], global: [n]) }
        let yp = y.ptr, xp = x.ptr
        Parallel.forChunks(n) { r in for i in r { yp[i] = a * xp[i] + b * yp[i] } }
    }
}
