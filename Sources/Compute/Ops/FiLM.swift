// Broadcast FiLM: the graph vector y modulates every node or pair of its graph
// (dinas-spec §3.4: newX = y_x_add(y) + (y_x_mul(y) + 1) ⊙ wV, and the same for edges).
// inp (G, P, C) with P = n for nodes or n·n for pairs; mul, add (G, C).

public extension Device {
    /// out[g,p,c] = inp[g,p,c]·(1 + mul[g,c]) + add[g,c]
    func filmForward(out: View, inp: View, mul: View, add: View, graphs: Int, positions: Int, dim: Int) throws {
        let op = "filmForward"
        try requirePositive(op, ("graphs", graphs), ("positions", positions), ("dim", dim))
        let n = graphs * positions * dim
        try require(op, inp, n, "inp"); try require(op, out, n, "out")
        try require(op, mul, graphs * dim, "mul"); try require(op, add, graphs * dim, "add")
        if let cl {
            return try cl.launch(.filmForward,
                                 [.view(out), .view(inp), .view(mul), .view(add), .int(graphs), .int(positions), .int(dim)],
                                 global: [n])
        }
        let o = out.ptr, x = inp.ptr, m = mul.ptr, a = add.ptr
        Parallel.forEach(graphs * positions, costPerItem: dim) { r in
            let g = r / positions
            let xr = x + r * dim, yr = o + r * dim, mg = m + g * dim, ag = a + g * dim
            for c in 0..<dim { yr[c] = xr[c] * (1 + mg[c]) + ag[c] }
        }
    }

    /// dinp += dout·(1 + mul); dmul[g,c] += Σ_p dout·inp; dadd[g,c] += Σ_p dout.
    /// `inp` is the forward's input, so the forward must not have overwritten it.
    func filmBackward(dinp: View, dmul: View, dadd: View, dout: View, inp: View, mul: View,
                      graphs: Int, positions: Int, dim: Int) throws {
        let op = "filmBackward"
        try requirePositive(op, ("graphs", graphs), ("positions", positions), ("dim", dim))
        let n = graphs * positions * dim
        try require(op, dinp, n, "dinp"); try require(op, dout, n, "dout"); try require(op, inp, n, "inp")
        try require(op, mul, graphs * dim, "mul")
        try require(op, dmul, graphs * dim, "dmul"); try require(op, dadd, graphs * dim, "dadd")
        if let cl {
            return try cl.launch(.filmBackward,
                                 [.view(dinp), .view(dmul), .view(dadd), .view(dout), .view(inp), .view(mul),
                                  .int(graphs), .int(positions), .int(dim)],
                                 global: [graphs * dim])
        }
        let dx = dinp.ptr, dm = dmul.ptr, da = dadd.ptr, gOut = dout.ptr, x = inp.ptr, m = mul.ptr
        Parallel.forEach(graphs, costPerItem: 3 * positions * dim) { g in
            let mg = m + g * dim, dmg = dm + g * dim, dag = da + g * dim
            for p in 0..<positions {
                let r = (g * positions + p) * dim
                let gr = gOut + r, xr = x + r, dxr = dx + r
                for c in 0..<dim {
                    dxr[c] += gr[c] * (1 + mg[c])
                    dmg[c] += gr[c] * xr[c]
                    dag[c] += gr[c]
                }
            }
        }
    }
}
