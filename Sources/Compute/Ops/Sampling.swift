import Foundation

// Categorical sampling for the forward noise (dinas-spec §2.3) and the reverse steps (§5.1), plus the
// two reshapes around it: mirroring the upper triangle of pair classes, and one-hot encoding.
// Draws come from Philox4x32 (Philox.swift), keyed by (seed, row, stream), and the CDF is summed in
// one fixed order without fma, so the same seed picks the same classes on the host, PoCL and a GPU.

public extension Device {
    /// out[r] = a class drawn from the weights probs[r,:] (they need not sum to 1) by inverse CDF:
    /// with u = Philox4x32.uniform(seed, row: r, stream) and Σ the row sum (both summed left to
    /// right in fp32), the first class c with u·Σ < p[0] + … + p[c]. When rounding leaves u·Σ at Σ,
    /// the last class with positive weight is taken. A row with no positive mass gives −1 (no class).
    func sampleCategorical(out: View, probs: View, rows: Int, classes: Int, seed: UInt64, stream: UInt64) throws {
        let op = "sampleCategorical"
        try requirePositive(op, ("rows", rows), ("classes", classes))
        try require(op, probs, rows * classes, "probs")
        try require(op, out, rows, "out")
        if let cl {
            return try cl.launch("sampling", "sample_categorical", [
                .view(out), .view(probs), .int(rows), .int(classes),
                .int(bitsAsInt(seed)), .int(bitsAsInt(seed >> 32)), .int(bitsAsInt(stream)), .int(bitsAsInt(stream >> 32)),
            ], global: [rows])
        }
        let o = out.ptr, p = probs.ptr
        Parallel.forEach(rows, costPerItem: 16 + classes) { r in
            let row = p + r * classes
            var total: Float = 0
            for c in 0..<classes { total += row[c] }
            if !(total > 0) { o[r] = -1; return }
            let target = Philox4x32.uniform(seed: seed, row: UInt64(r), stream: stream) * total
            var cdf: Float = 0, lastPositive = -1
            for c in 0..<classes {
                cdf += row[c]
                if row[c] > 0 { lastPositive = c }
                if target < cdf { o[r] = Float(c); return }
            }
            o[r] = Float(lastPositive)
        }
    }

    /// In place on (graphs, n, n) pair classes: the upper triangle decides, the lower triangle copies
    /// it (classes[g,i,j] = classes[g,j,i] for i > j) and the diagonal becomes class 0 ("no edge").
    func mirrorPairClasses(_ classes: View, graphs: Int, n: Int) throws {
        let op = "mirrorPairClasses"
        try requirePositive(op, ("graphs", graphs), ("n", n))
        let count = graphs * n * n
        try require(op, classes, count, "classes")
        if let cl {
            return try cl.launch("sampling", "mirror_pair_classes", [.view(classes), .int(graphs), .int(n)], global: [count])
        }
        // Only the lower triangle and the diagonal are written and only the upper triangle is read,
        // so the in-place update has no order dependence.
        let x = classes.ptr
        Parallel.forEach(graphs * n, costPerItem: n) { row in
            let g = row / n, i = row % n, base = g * n * n
            for j in 0..<i { x[base + i * n + j] = x[base + j * n + i] }
            x[base + i * n + i] = 0
        }
    }

    /// out[r,:] = one-hot of classes[r] over `classCount` classes. Classes are whole numbers stored
    /// as Float; a negative (padding) or out-of-range class gives a zero row.
    func oneHot(out: View, classes: View, rows: Int, classCount: Int) throws {
        let op = "oneHot"
        try requirePositive(op, ("rows", rows), ("classCount", classCount))
        try require(op, classes, rows, "classes")
        try require(op, out, rows * classCount, "out")
        if let cl {
            return try cl.launch("sampling", "one_hot", [.view(out), .view(classes), .int(rows), .int(classCount)],
                                 global: [rows * classCount])
        }
        let o = out.ptr, k = classes.ptr
        Parallel.forEach(rows, costPerItem: classCount) { r in
            let chosen = k[r], dst = o + r * classCount
            for c in 0..<classCount { dst[c] = chosen == Float(c) ? 1 : 0 }
        }
    }
}

/// A 32-bit word of a UInt64 as the signed int a kernel argument carries (the kernel reads it back as uint).
private func bitsAsInt(_ x: UInt64) -> Int { Int(Int32(bitPattern: UInt32(truncatingIfNeeded: x))) }
