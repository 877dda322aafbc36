import SearchSpaces

// The dense class-index form of graphs that the denoiser sees (dinas-spec §1.1): node classes padded
// with −1, pair classes symmetric (1 = an edge in either direction, 0 = none), −1 on the diagonal and
// on padded pairs (neither is predicted nor counted in the loss).

public struct GraphTensors: Sendable {
    public let n: Int
    public var nodes: [Int32]
    public var pairs: [Int32]

    public init(_ g: ArchGraph, n: Int) {
        self.n = n
        nodes = [Int32](repeating: -1, count: n)
        pairs = [Int32](repeating: -1, count: n * n)
        let m = g.nodeCount
        for i in 0..<m { nodes[i] = Int32(g.ops[i]) }
        for i in 0..<m {
            for j in 0..<m where i != j {
                pairs[i * n + j] = (g.hasEdge(i, j) || g.hasEdge(j, i)) ? 1 : 0
            }
        }
    }

    public var nodeCount: Int { nodes.prefix { $0 >= 0 }.count }

    /// Back to a graph: the first `nodeCount` nodes; edges i → j for i < j (the order carries direction).
    public static func graph(nodes: [Int], pairs: [Int], n: Int, nodeCount m: Int) -> ArchGraph {
        var adj = [Bool](repeating: false, count: m * m)
        for i in 0..<m { for j in (i + 1)..<max(m, i + 1) where pairs[i * n + j] == 1 { adj[i * m + j] = true } }
        return ArchGraph(ops: Array(nodes.prefix(m)), adjacency: adj)
    }
}
