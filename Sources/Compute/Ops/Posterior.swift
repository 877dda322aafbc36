import Foundation

// The reverse-step distribution p_θ(z_s | z_t) of the discrete diffusion (dinas-spec §2.4):
//   unnorm[c] = Σ_a p̂(x0 = a) · Q_t[c, z_t] · Q̄_s[a, c] / Q̄_t[a, z_t],   then normalised over c.
// t differs between graphs, so each graph brings its own three d×d matrices.

public extension Device {
    /// out[r,:] = p(z_s | z_t = zt[r]) for every row r of a node or pair tensor, with the x0
    /// prediction `x0Probs` (rows, classes). Row r belongs to graph r / rowsPerGraph, whose
    /// row-stochastic matrices (Q[i][j] = P(next = j | current = i)) start at g·classes² in `qt`
    /// (Q_t), `qsBar` (Q̄_s) and `qtBar` (Q̄_t). A denominator Q̄_t[a, z] that is exactly 0 becomes
    /// 1e-6 (as the reference does). Rows with zt < 0 (padding) or no mass become uniform.
    /// A zt ≥ classes is a caller bug and gives a NaN row. `out` must not alias `x0Probs`.
    func categoricalPosterior(out: View, x0Probs: View, zt: View, qt: View, qsBar: View, qtBar: View,
                              rows: Int, classes: Int, rowsPerGraph: Int) throws {
        let op = "categoricalPosterior"
        try requirePositive(op, ("rows", rows), ("classes", classes), ("rowsPerGraph", rowsPerGraph))
        let graphs = (rows + rowsPerGraph - 1) / rowsPerGraph, square = classes * classes
        try require(op, x0Probs, rows * classes, "x0Probs")
        try require(op, zt, rows, "zt")
        try require(op, qt, graphs * square, "qt (one classes² matrix per graph)")
        try require(op, qsBar, graphs * square, "qsBar (one classes² matrix per graph)")
        try require(op, qtBar, graphs * square, "qtBar (one classes² matrix per graph)")
        try require(op, out, rows * classes, "out")
        if let cl {
            return try cl.launch("posterior", "categorical_posterior", [
                .view(out), .view(x0Probs), .view(zt), .view(qt), .view(qsBar), .view(qtBar),
                .int(rows), .int(classes), .int(rowsPerGraph),
            ], global: [rows])
        }
        let o = out.ptr, x0 = x0Probs.ptr, z = zt.ptr, qStep = qt.ptr, qPrev = qsBar.ptr, qNow = qtBar.ptr
        Parallel.forEach(rows, costPerItem: 4 * square) { r in
            let dst = o + r * classes
            let current = z[r]
            if current < 0 {
                for c in 0..<classes { dst[c] = 1 / Float(classes) }
                return
            }
            if !(current < Float(classes)) {
                for c in 0..<classes { dst[c] = .nan }
                return
            }
            let zi = Int(current), g = r / rowsPerGraph
            let p = x0 + r * classes
            let step = qStep + g * square, prev = qPrev + g * square, now = qNow + g * square
            var total: Float = 0
            for c in 0..<classes {
                var mixed: Float = 0
                for a in 0..<classes {
                    var denominator = now[a * classes + zi]
                    if denominator == 0 { denominator = 1e-6 }
                    mixed += (p[a] / denominator) * prev[a * classes + c]
                }
                let u = step[c * classes + zi] * mixed
                dst[c] = u
                total += u
            }
            if total == 0 {
                for c in 0..<classes { dst[c] = 1 / Float(classes) }
            } else {
                let scale = 1 / total
                for c in 0..<classes { dst[c] *= scale }
            }
        }
    }
}
