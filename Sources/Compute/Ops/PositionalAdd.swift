// Positional encoding: the same (P, C) table added to every graph's positions (dinas-spec §3.2:
// Xh + PE[0:n], added after masking). The table is a constant, and x's gradient passes through
// unchanged, so there is no backward op.

public extension Device {
    /// x[g,p,c] += table[p,c]
    func addPerPosition(_ x: View, table: View, graphs: Int, positions: Int, dim: Int) throws {
        let op = "addPerPosition"
        try requirePositive(op, ("graphs", graphs), ("positions", positions), ("dim", dim))
        let period = positions * dim
        try require(op, x, graphs * period, "x"); try require(op, table, period, "table")
        if let cl {
            return try cl.launch("positional", "add_per_position",
                                 [.view(x), .view(table), .int(graphs * period), .int(period)], global: [graphs * period])
        }
        let p = x.ptr, t = table.ptr
        Parallel.forEach(graphs * positions, costPerItem: dim) { r in
            let dst = p + r * dim, src = t + (r % positions) * dim
            for c in 0..<dim { dst[c] += src[c] }
        }
    }
}
