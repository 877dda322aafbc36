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
        try requireSampledClasses(op, classes)
        try require(op, probs, rows * classes, "probs")
        try require(op, out, rows, "out")
        if let cl {
            return try cl.launch(.sampleCategorical, [
                .view(out), .view(probs), .int(rows), .int(classes),
                .int(bitsAsInt(seed)), .int(bitsAsInt(seed >> 32)), .int(bitsAsInt(stream)), .int(bitsAsInt(stream >> 32)),
            ], global: [rows])
        }
        let o = out.ptr, p = probs.ptr
        Parallel.forEach(rows, costPerItem: 16 + classes) { r in
            o[r] = drawClass(UnsafePointer((p + r * classes).p), classes: classes, u: Philox4x32.uniform(seed: seed, row: UInt64(r), stream: stream))
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
            return try cl.launch(.mirrorPairClasses, [.view(classes), .int(graphs), .int(n)], global: [count])
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

    /// out[r,:] = one-hot of classes[r] over `classCount` classes, the whole block written `copies`
    /// times one after another (one per guidance pass). Classes are whole numbers stored as Float; a
    /// negative (padding) or out-of-range class gives a zero row.
    func oneHot(out: View, classes: View, rows: Int, classCount: Int, copies: Int = 1) throws {
        let op = "oneHot"
        try requirePositive(op, ("rows", rows), ("classCount", classCount), ("copies", copies))
        try require(op, classes, rows, "classes")
        try require(op, out, copies * rows * classCount, "out")
        if let cl {
            return try cl.launch(.oneHot, [.view(out), .view(classes), .int(rows), .int(classCount), .int(copies)],
                                 global: [copies * rows * classCount])
        }
        let o = out.ptr, k = classes.ptr
        Parallel.forEach(copies * rows, costPerItem: classCount) { i in
            let chosen = k[i % rows], dst = o + i * classCount
            for c in 0..<classCount { dst[c] = chosen == Float(c) ? 1 : 0 }
        }
    }
}

public extension Device {
    /// Exact predictor guidance's inputs: variant v is graph `graph[v]` of `classes` (graphs × n) with
    /// node `row[v]` set to `cls[v]`; out[v] is its one-hot node tensor (n × classCount). The three
    /// index lists hold whole numbers as Float.
    func oneHotVariants(out: View, classes: View, graph: View, row: View, cls: View, variants: Int, n: Int, classCount: Int) throws {
        let op = "oneHotVariants"
        try requirePositive(op, ("variants", variants), ("n", n), ("classCount", classCount))
        try require(op, graph, variants, "graph"); try require(op, row, variants, "row"); try require(op, cls, variants, "cls")
        try require(op, out, variants * n * classCount, "out")
        if let cl {
            return try cl.launch(.oneHotVariants, [.view(out), .view(classes), .view(graph), .view(row), .view(cls),
                                                                   .int(variants), .int(n), .int(classCount)],
                                 global: [variants * n * classCount])
        }
        let o = out.ptr, k = classes.ptr, gs = graph.ptr, rs = row.ptr, cs = cls.ptr
        Parallel.forEach(variants, costPerItem: n * classCount) { v in
            let g = Int(gs[v]), r = Int(rs[v])
            for j in 0..<n {
                let chosen = j == r ? cs[v] : k[g * n + j], dst = o + (v * n + j) * classCount
                for c in 0..<classCount { dst[c] = chosen == Float(c) ? 1 : 0 }
            }
        }
    }

    /// out[index[i]] = scale·values[i], added to what is there when `accumulate`. Indices (whole
    /// numbers as Float) must be distinct and inside `out`.
    func scatter(out: View, values: View, index: View, count: Int, scale: Float, accumulate: Bool) throws {
        let op = "scatter"
        try requirePositive(op, ("count", count))
        try require(op, values, count, "values"); try require(op, index, count, "index")
        if let cl {
            return try cl.launch(.scatter, [.view(out), .view(values), .view(index), .int(count), .float(scale),
                                                          .int(accumulate ? 1 : 0)], global: [count])
        }
        let o = out.ptr, x = values.ptr, k = index.ptr
        for i in 0..<count {
            let j = Int(k[i]), v = scale * x[i]
            precondition(j >= 0 && j < out.count, "scatter index \(j) outside out (\(out.count))")
            o[j] = accumulate ? o[j] + v : v
        }
    }
}

extension Device {
    /// Kernels copy a row of weights into private memory of this many floats (SAMPLE_MAX_CLASSES in sampling.cl).
    static let maxSampledClasses = 32

    func requireSampledClasses(_ op: String, _ classes: Int) throws {
        guard classes <= Self.maxSampledClasses else {
            throw ComputeError.invalidSize(op: op, detail: "classes = \(classes); at most \(Self.maxSampledClasses) are supported")
        }
    }
}

/// The class that u ∈ [0, 1) picks from the weights p[0..<classes) (they need not sum to 1) by
/// inverse CDF: with Σ the row sum (both sums left to right in fp32, as sampling.cl's draw_class),
/// the first c with u·Σ < p[0] + … + p[c]; when rounding leaves u·Σ at Σ, the last class with
/// positive weight; −1 for a row with no positive mass.
func drawClass(_ p: UnsafePointer<Float>, classes: Int, u: Float) -> Float {
    var total: Float = 0
    for c in 0..<classes { total += p[c] }
    if !(total > 0) { return -1 }
    let target = u * total
    var cdf: Float = 0, lastPositive = -1
    for c in 0..<classes {
        cdf += p[c]
        if p[c] > 0 { lastPositive = c }
        if target < cdf { return Float(c) }
    }
    return Float(lastPositive)
}

/// A 32-bit word of a UInt64 as the signed int a kernel argument carries (the kernel reads it back as uint).
func bitsAsInt(_ x: UInt64) -> Int { Int(Int32(bitPattern: UInt32(truncatingIfNeeded: x))) }
