// Symmetrisation of pair tensors, (A + Aᵀ)/2 over the two node axes (dinas-spec §3.2: the edge
// embedding after mlp_in_E, and the edge logits). Pair rows are (g·n + i)·n + j.

public extension Device {
    /// out[g,i,j,c] = (x[g,i,j,c] + x[g,j,i,c]) / 2 · f[g,i,j] with x = inp (+ `residual`) and
    /// f = nodeMask[g,i]·nodeMask[g,j] (1 without a mask), 0 on the diagonal when `zeroDiagonal`.
    /// One pass instead of add, symmetrise and mask: the masks are 0/1, so the order does not change
    /// a bit. `out` may be `inp` itself (in place); the result is exactly symmetric.
    func symmetrizePairs(out: View, inp: View, graphs: Int, n: Int, dim: Int,
                         residual: View? = nil, nodeMask: View? = nil, zeroDiagonal: Bool = false) throws {
        let op = "symmetrizePairs"
        try requirePositive(op, ("graphs", graphs), ("n", n), ("dim", dim))
        let count = graphs * n * n * dim
        try require(op, inp, count, "inp"); try require(op, out, count, "out")
        if partiallyOverlaps(out, inp, count) {
            throw ComputeError.invalidSize(op: op, detail: "out overlaps inp without being the same view; pass the same view to work in place")
        }
        if let residual {
            try require(op, residual, count, "residual")
            if partiallyOverlaps(out, residual, count) {
                throw ComputeError.invalidSize(op: op, detail: "out overlaps residual without being the same view")
            }
        }
        if let nodeMask { try require(op, nodeMask, graphs * n, "nodeMask") }
        if let cl {
            return try cl.launch(.symmetrizePairs,
                                 [.view(out), .view(inp), .view(residual ?? inp), .int(residual == nil ? 0 : 1),
                                  .view(nodeMask ?? inp), .int(nodeMask == nil ? 0 : 1), .int(zeroDiagonal ? 1 : 0),
                                  .int(graphs), .int(n), .int(dim)], global: [count])
        }
        let o = out.ptr, x = inp.ptr, r = residual?.ptr, m = nodeMask?.ptr
        // Item (g, i) owns the pairs (i, j ≥ i) and their mirrors (j, i); it reads both before
        // writing both, so items never touch each other's entries and in place is safe.
        Parallel.forEach(graphs * n, costPerItem: n * dim) { row in
            let g = row / n, i = row % n
            for j in i..<n {
                let ij = (row * n + j) * dim, ji = ((g * n + j) * n + i) * dim
                var f: Float = m.map { $0[row] * $0[g * n + j] } ?? 1
                if zeroDiagonal && i == j { f = 0 }
                for c in 0..<dim {
                    var a = x[ij + c], b = x[ji + c]
                    if let r { a += r[ij + c]; b += r[ji + c] }
                    let s = (a + b) * 0.5 * f
                    o[ij + c] = s
                    o[ji + c] = s
                }
            }
        }
    }

    /// dinp[g,i,j,c] += (dout[g,i,j,c] + dout[g,j,i,c]) / 2. `dinp` must not overlap `dout`.
    func symmetrizePairsBackward(dinp: View, dout: View, graphs: Int, n: Int, dim: Int) throws {
        let op = "symmetrizePairsBackward"
        try requirePositive(op, ("graphs", graphs), ("n", n), ("dim", dim))
        let count = graphs * n * n * dim
        try require(op, dout, count, "dout"); try require(op, dinp, count, "dinp")
        if dinp.buffer === dout.buffer && dinp.offset < dout.offset + count && dout.offset < dinp.offset + count {
            throw ComputeError.invalidSize(op: op, detail: "dinp overlaps dout; accumulate into a separate gradient")
        }
        if let cl {
            return try cl.launch(.symmetrizePairsBackward,
                                 [.view(dinp), .view(dout), .int(graphs), .int(n), .int(dim)], global: [dim, n * n, graphs])
        }
        let dx = dinp.ptr, gOut = dout.ptr
        Parallel.forEach(graphs * n * n, costPerItem: dim) { t in
            let j = t % n, row = t / n, i = row % n, g = row / n
            let ij = t * dim, ji = ((g * n + j) * n + i) * dim
            for c in 0..<dim { dx[ij + c] += (gOut[ij + c] + gOut[ji + c]) * 0.5 }
        }
    }
}

/// True when `a` and `b` share floats without being the same window (then neither in place nor
/// out of place is well defined).
private func partiallyOverlaps(_ a: View, _ b: View, _ count: Int) -> Bool {
    a.buffer === b.buffer && a.offset != b.offset && a.offset < b.offset + count && b.offset < a.offset + count
}
