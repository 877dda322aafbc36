// Masks for padded graphs (dinas-spec §3.2, §3.4): padded nodes (mask 0) and their pairs are
// zeroed by multiplying in place with the (G, n) node mask of 0/1, as PyTorch's x * mask does.
// Multiplication is linear, so each op's backward is the same call on the gradient.

public extension Device {
    /// x[g,i,:] *= nodeMask[g,i] on a node tensor (G·n, C).
    func applyNodeMask(_ x: View, nodeMask: View, graphs: Int, n: Int, dim: Int) throws {
        let op = "applyNodeMask"
        try requirePositive(op, ("graphs", graphs), ("n", n), ("dim", dim))
        let rows = graphs * n
        try require(op, x, rows * dim, "x"); try require(op, nodeMask, rows, "nodeMask")
        if let cl {
            return try cl.launch(.applyNodeMask, [.view(x), .view(nodeMask), .int(rows), .int(dim)],
                                 global: [dim, rows])
        }
        let p = x.ptr, m = nodeMask.ptr
        Parallel.forEach(rows, costPerItem: dim) { r in
            let f = m[r], row = p + r * dim
            for c in 0..<dim { row[c] *= f }
        }
    }

    /// x[g,i,j,:] *= nodeMask[g,i]·nodeMask[g,j], and by 0 on the diagonal i == j when
    /// `zeroDiagonal`, on a pair tensor (G·n·n, C).
    func applyPairMask(_ x: View, nodeMask: View, graphs: Int, n: Int, dim: Int, zeroDiagonal: Bool) throws {
        let op = "applyPairMask"
        try requirePositive(op, ("graphs", graphs), ("n", n), ("dim", dim))
        try require(op, x, graphs * n * n * dim, "x"); try require(op, nodeMask, graphs * n, "nodeMask")
        if let cl {
            return try cl.launch(.applyPairMask,
                                 [.view(x), .view(nodeMask), .int(graphs), .int(n), .int(dim), .int(zeroDiagonal ? 1 : 0)],
                                 global: [dim, n * n, graphs])
        }
        let p = x.ptr, m = nodeMask.ptr
        Parallel.forEach(graphs * n * n, costPerItem: dim) { t in
            let j = t % n, row = t / n, i = row % n, g = row / n
            let f: Float = zeroDiagonal && i == j ? 0 : m[row] * m[g * n + j]
            let pair = p + t * dim
            for c in 0..<dim { pair[c] *= f }
        }
    }
}

/// A padding mask for the output rows of an op: node rows g·n + i are multiplied by nodeMask[g·n + i],
/// pair rows (g·n + i)·n + j by nodeMask[g·n + i]·nodeMask[g·n + j] — applyNodeMask and applyPairMask
/// (zeroDiagonal: false). GPU kernels fuse it into the op that writes the rows (linearForward,
/// addLayerNormForward); elsewhere `apply` runs it as a second pass.
public struct RowMask: Sendable {
    public let nodeMask: View
    public let n: Int
    public let pairs: Bool
    public init(nodeMask: View, n: Int, pairs: Bool) { self.nodeMask = nodeMask; self.n = n; self.pairs = pairs }

    var rowsPerGraph: Int { pairs ? n * n : n }

    /// `rows` must be whole graphs, and the mask must cover them.
    func check(_ op: String, rows: Int) throws {
        guard n > 0, rows % rowsPerGraph == 0 else {
            throw ComputeError.invalidSize(op: op, detail: "rows \(rows) is not a whole number of graphs of \(rowsPerGraph) \(pairs ? "pair" : "node") rows")
        }
        try require(op, nodeMask, rows / rowsPerGraph * n, "mask (graphs·n)")
    }
}

extension Device {
    func apply(_ mask: RowMask, to x: View, rows: Int, dim: Int) throws {
        if mask.pairs {
            try applyPairMask(x, nodeMask: mask.nodeMask, graphs: rows / mask.rowsPerGraph, n: mask.n, dim: dim, zeroDiagonal: false)
        } else {
            try applyNodeMask(x, nodeMask: mask.nodeMask, graphs: rows / mask.n, n: mask.n, dim: dim)
        }
    }
}
