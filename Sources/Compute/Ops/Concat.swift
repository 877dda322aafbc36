// Concatenation with a per-graph vector broadcast over positions (dinas-spec §3.2: the class
// embedding cX is appended to every node, cE to every pair). a (G, P, A), b (G, B) → out (G, P, A + B).

public extension Device {
    /// out[g,p,0..<A] = a[g,p,:]; out[g,p,A..<A+B] = b[g,:]
    func concatBroadcastForward(out: View, a: View, b: View, graphs: Int, positions: Int, dimA: Int, dimB: Int) throws {
        let op = "concatBroadcastForward"
        try requirePositive(op, ("graphs", graphs), ("positions", positions), ("dimA", dimA), ("dimB", dimB))
        let rows = graphs * positions, width = dimA + dimB
        try require(op, a, rows * dimA, "a"); try require(op, b, graphs * dimB, "b")
        try require(op, out, rows * width, "out")
        if let cl {
            return try cl.launch("concat", "concat_broadcast_forward",
                                 [.view(out), .view(a), .view(b), .int(graphs), .int(positions), .int(dimA), .int(dimB)],
                                 global: [rows * width])
        }
        let o = out.ptr, x = a.ptr, y = b.ptr
        Parallel.forEach(rows, costPerItem: width) { r in
            let dst = o + r * width, src = x + r * dimA, vec = y + (r / positions) * dimB
            for c in 0..<dimA { dst[c] = src[c] }
            for c in 0..<dimB { dst[dimA + c] = vec[c] }
        }
    }

    /// out[r,:] = inp[r / times,:] for r < rows·times: each of `rows` vectors repeated `times` times
    /// (a sampler's y features, computed once per guidance pass, given to every graph of the pass).
    /// The concatenation above with nothing in front of the broadcast part.
    func repeatRows(out: View, inp: View, rows: Int, times: Int, dim: Int) throws {
        let op = "repeatRows"
        try requirePositive(op, ("rows", rows), ("times", times), ("dim", dim))
        try require(op, inp, rows * dim, "inp"); try require(op, out, rows * times * dim, "out")
        if let cl {
            return try cl.launch("concat", "concat_broadcast_forward",
                                 [.view(out), .view(out), .view(inp), .int(rows), .int(times), .int(0), .int(dim)],
                                 global: [rows * times * dim])
        }
        let o = out.ptr, x = inp.ptr
        Parallel.forEach(rows * times, costPerItem: dim) { r in
            let dst = o + r * dim, src = x + (r / times) * dim
            for c in 0..<dim { dst[c] = src[c] }
        }
    }

    /// da[g,p,:] += dout[g,p,0..<A]; db[g,:] += Σ_p dout[g,p,A..<A+B]. Pass nil for a gradient
    /// that is not wanted (e.g. when a is the layer input).
    func concatBroadcastBackward(da: View?, db: View?, dout: View, graphs: Int, positions: Int, dimA: Int, dimB: Int) throws {
        let op = "concatBroadcastBackward"
        try requirePositive(op, ("graphs", graphs), ("positions", positions), ("dimA", dimA), ("dimB", dimB))
        let rows = graphs * positions, width = dimA + dimB
        try require(op, dout, rows * width, "dout")
        if let da { try require(op, da, rows * dimA, "da") }
        if let db { try require(op, db, graphs * dimB, "db") }
        if let cl {
            if let da {
                try cl.launch("concat", "concat_broadcast_backward_a",
                              [.view(da), .view(dout), .int(rows), .int(dimA), .int(dimB)], global: [rows * dimA])
            }
            if let db {
                try cl.launch("concat", "concat_broadcast_backward_b",
                              [.view(db), .view(dout), .int(graphs), .int(positions), .int(dimA), .int(dimB)],
                              global: [graphs * dimB])
            }
            return
        }
        let gOut = dout.ptr
        if let da {
            let dx = da.ptr
            Parallel.forEach(rows, costPerItem: dimA) { r in
                let dst = dx + r * dimA, src = gOut + r * width
                for c in 0..<dimA { dst[c] += src[c] }
            }
        }
        if let db {
            let dy = db.ptr
            Parallel.forEach(graphs, costPerItem: positions * dimB) { g in
                let dst = dy + g * dimB
                for p in 0..<positions {
                    let src = gOut + (g * positions + p) * width + dimA
                    for c in 0..<dimB { dst[c] += src[c] }
                }
            }
        }
    }
}
