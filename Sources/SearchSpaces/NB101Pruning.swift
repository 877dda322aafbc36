// NAS-Bench-101 prunes a cell before it checks or hashes it: a vertex that is not on some
// input → output path computes nothing that reaches the output, so it is dropped together with its
// edges (Ying et al. 2019; the benchmark's ModelSpec does the same). Every cell in the benchmark is
// therefore stored, counted and hashed at its pruned size, and so are ours.

extension NB101Space {
    /// The cell with every vertex that is not on an input → output path removed (vertex order
    /// kept), or nil when the output cannot be reached from the input at all.
    /// Reads only the strict upper triangle; callers check edge direction first.
    public static func pruned(_ g: ArchGraph) -> ArchGraph? {
        let n = g.nodeCount
        guard n >= 2 else { return nil }

        // Forward from the input and backward from the output; the node order is topological,
        // so one sweep in each direction suffices.
        var fromInput = [Bool](repeating: false, count: n)
        fromInput[0] = true
        for j in 1..<n {
            fromInput[j] = (0..<j).contains { fromInput[$0] && g.hasEdge($0, j) }
        }
        var toOutput = [Bool](repeating: false, count: n)
        toOutput[n - 1] = true
        for i in stride(from: n - 2, through: 0, by: -1) {
            toOutput[i] = ((i + 1)..<n).contains { toOutput[$0] && g.hasEdge(i, $0) }
        }
        guard fromInput[n - 1] else { return nil }

        let kept = (0..<n).filter { fromInput[$0] && toOutput[$0] }
        if kept.count == n { return g }
        let m = kept.count
        var adjacency = [Bool](repeating: false, count: m * m)
        for (a, i) in kept.enumerated() {
            for (b, j) in kept.enumerated() where b > a {
                adjacency[a * m + b] = g.hasEdge(i, j)
            }
        }
        return ArchGraph(ops: kept.map { g.ops[$0] }, adjacency: adjacency)
    }

    /// Edges of the strict upper triangle.
    static func edgeCount(_ g: ArchGraph) -> Int {
        let n = g.nodeCount
        var count = 0
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) where g.hasEdge(i, j) { count += 1 }
        }
        return count
    }
}
