// Concatenation with a per-graph vector broadcast over positions (dinas-spec §3.2: the class
// embedding cX is appended to every node, cE to every pair). a (G, P, A), b (G, B) → out (G, P, A + B).
// The forward also takes the rest of the model's input assembly (positions, symmetrisation, mask), so
// that each input is written once.

public extension Device {
    /// out[g,p,0..<A] = a[g,p,:]; out[g,p,A..<A+B] = b[g,:]. In the same pass, where asked, as the
    /// model's input assembly needs (one launch instead of three on the node path, two on the edge path):
    /// * `symmetricPairs` n: a's rows are pairs (g'·n + i)·n + j, and its part becomes
    ///   (a[g',i,j] + a[g',j,i]) / 2, as symmetrizePairs computes it (b's part is symmetric already);
    /// * `positional`: row r gets table row r % period added over the whole width;
    /// * `mask`: the row's padding mask, last (applyNodeMask / applyPairMask; masks are 0/1, so the
    ///   order changes no bit).
    /// `out` must not overlap `a` when symmetrising (it reads other rows).
    func concatBroadcastForward(out: View, a: View, b: View, graphs: Int, positions: Int, dimA: Int, dimB: Int,
                                symmetricPairs n: Int? = nil, positional: (table: View, period: Int)? = nil, mask: RowMask? = nil) throws {
        let op = "concatBroadcastForward"
        try requirePositive(op, ("graphs", graphs), ("positions", positions), ("dimA", dimA), ("dimB", dimB))
        let rows = graphs * positions, width = dimA + dimB
        try require(op, a, rows * dimA, "a"); try require(op, b, graphs * dimB, "b")
        try require(op, out, rows * width, "out")
        if let n {
            guard n > 0, rows % (n * n) == 0 else {
                throw ComputeError.invalidSize(op: op, detail: "\(rows) rows are not whole graphs of \(n)·\(n) pairs")
            }
            if out.buffer === a.buffer && out.offset < a.offset + rows * dimA && a.offset < out.offset + rows * width {
                throw ComputeError.invalidSize(op: op, detail: "out overlaps a, whose mirrored rows it reads")
            }
            if let mask, mask.n != n || !mask.pairs {
                throw ComputeError.invalidSize(op: op, detail: "symmetrised pairs of \(n) nodes need a pair mask of \(n) nodes")
            }
        }
        if let positional {
            try requirePositive(op, ("positional period", positional.period))
            try require(op, positional.table, positional.period * width, "positional table")
        }
        try mask?.check(op, rows: rows)
        if let cl {
            let maskMode = mask == nil ? 0 : mask!.pairs ? 2 : 1
            return try cl.launch(.concatBroadcastForward,
                                 [.view(out), .view(a), .view(b), .int(graphs), .int(positions), .int(dimA), .int(dimB),
                                  .view(positional?.table ?? b), .int(positional?.period ?? 0),
                                  .view(mask?.nodeMask ?? b), .int(maskMode), .int(mask?.n ?? 1), .int(n ?? 0)],
                                 global: [rows * width])
        }
        let o = out.ptr, x = a.ptr, y = b.ptr, t = positional?.table.ptr, m = mask?.nodeMask.ptr
        Parallel.forEach(rows, costPerItem: width) { r in
            let dst = o + r * width, src = x + r * dimA, vec = y + (r / positions) * dimB
            let mirror = n.map { n in x + Self.mirroredPairRow(r, n: n) * dimA }
            let added = t.map { $0 + (r % positional!.period) * width }
            var f: Float = 1
            if let mask, let m {
                let nodeRow = mask.pairs ? r / mask.n : r
                f = mask.pairs ? m[nodeRow] * m[nodeRow / mask.n * mask.n + r % mask.n] : m[nodeRow]
            }
            for c in 0..<dimA {
                var v = src[c]
                if let mirror { v = (v + mirror[c]) * 0.5 }
                if let added { v += added[c] }
                dst[c] = v * f
            }
            for c in 0..<dimB {
                var v = vec[c]
                if let added { v += added[dimA + c] }
                dst[dimA + c] = v * f
            }
        }
    }

    /// The row (g·n + j)·n + i of pair row (g·n + i)·n + j.
    private static func mirroredPairRow(_ r: Int, n: Int) -> Int {
        let g = r / (n * n), t = r % (n * n)
        return (g * n + t % n) * n + t / n
    }

    /// out[r,:] = inp[r / times,:] for r < rows·times: each of `rows` vectors repeated `times` times
    /// (a sampler's y features, computed once per guidance pass, given to every graph of the pass).
    /// The concatenation above with nothing in front of the broadcast part.
    func repeatRows(out: View, inp: View, rows: Int, times: Int, dim: Int) throws {
        let op = "repeatRows"
        try requirePositive(op, ("rows", rows), ("times", times), ("dim", dim))
        try require(op, inp, rows * dim, "inp"); try require(op, out, rows * times * dim, "out")
        if let cl {
            return try cl.launch(.concatBroadcastForward,
                                 [.view(out), .view(out), .view(inp), .int(rows), .int(times), .int(0), .int(dim),
                                  .view(inp), .int(0), .view(inp), .int(0), .int(1), .int(0)],
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
                try cl.launch(.concatBroadcastBackwardA,
                              [.view(da), .view(dout), .int(rows), .int(dimA), .int(dimB)], global: [rows * dimA])
            }
            if let db {
                try cl.launch(.concatBroadcastBackwardB,
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
