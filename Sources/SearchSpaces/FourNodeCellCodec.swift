// The part of NB201 and TransNAS micro that only differs by op vocabulary: graph ↔ 6 edge ops,
// the validity rules, and the identity. Each space supplies its node classes and its text form.

/// Validity reason keys of the 8-node cell spaces, in the order they are checked.
public enum FourNodeCellRule {
    /// The graph does not have exactly 8 nodes.
    public static let nodeCount = "node-count"
    /// A node class id outside the space's classes.
    public static let unknownClass = "unknown-class"
    /// Node 0 is not the input class.
    public static let inputNotFirst = "input-not-first"
    /// Node 7 is not the output class.
    public static let outputNotLast = "output-not-last"
    /// One of nodes 1…6 carries the input or output class instead of an edge operation.
    public static let edgeNodeNotAnOp = "edge-node-not-an-op"
    /// The adjacency differs from the fixed one (strict rule; the DiNAS reference query ignores edges).
    public static let adjacencyNotFixed = "adjacency-not-fixed"
}

struct FourNodeCellCodec: Sendable {
    let space: String
    let nodeClasses: [String]
    let inputClass: Int
    let outputClass: Int
    /// Semantics of each class for the identity; nil for input/output.
    let semantics: [EdgeSemantics?]
    /// When false, the edges of a graph are not checked (the DiNAS reference behaviour).
    let requireFixedAdjacency: Bool

    func graph(edgeClasses: [Int]) -> ArchGraph {
        precondition(edgeClasses.count == 6)
        return ArchGraph(ops: [inputClass] + edgeClasses + [outputClass], adjacency: FourNodeCell.adjacency)
    }

    /// Class ids of the 6 edge-op nodes, after checking validity.
    func edgeClasses(_ graph: ArchGraph) throws -> [Int] {
        if let reason = invalidReason(graph) { throw SearchSpaceError.invalid(space: space, reason) }
        return Array(graph.ops[FourNodeCell.edgeNodes])
    }

    func invalidReason(_ graph: ArchGraph) -> InvalidReason? {
        let n = FourNodeCell.nodeCount
        guard graph.nodeCount == n else {
            return InvalidReason(FourNodeCellRule.nodeCount, "\(space) cells have \(n) nodes (input, 6 edge ops, output); this graph has \(graph.nodeCount)")
        }
        if let (i, c) = graph.ops.enumerated().first(where: { !nodeClasses.indices.contains($0.element) }) {
            return InvalidReason(FourNodeCellRule.unknownClass, "node \(i) has class \(c); \(space) classes are 0…\(nodeClasses.count - 1) (\(nodeClasses.joined(separator: ", ")))")
        }
        guard graph.ops[FourNodeCell.inputNode] == inputClass else {
            return InvalidReason(FourNodeCellRule.inputNotFirst, "node 0 must be '\(nodeClasses[inputClass])', is '\(nodeClasses[graph.ops[0]])'")
        }
        guard graph.ops[FourNodeCell.outputNode] == outputClass else {
            return InvalidReason(FourNodeCellRule.outputNotLast, "node 7 must be '\(nodeClasses[outputClass])', is '\(nodeClasses[graph.ops[7]])'")
        }
        if let i = FourNodeCell.edgeNodes.first(where: { semantics[graph.ops[$0]] == nil }) {
            let ops = nodeClasses.indices.filter { semantics[$0] != nil }.map { nodeClasses[$0] }
            return InvalidReason(FourNodeCellRule.edgeNodeNotAnOp, "node \(i) is '\(nodeClasses[graph.ops[i]])'; nodes 1…6 must be one of \(ops.joined(separator: ", "))")
        }
        if requireFixedAdjacency, graph.adjacency != FourNodeCell.adjacency {
            let extra = differingEdges(graph, present: true)
            let missing = differingEdges(graph, present: false)
            var parts: [String] = []
            if !extra.isEmpty { parts.append("extra edges \(extra)") }
            if !missing.isEmpty { parts.append("missing edges \(missing)") }
            return InvalidReason(FourNodeCellRule.adjacencyNotFixed, "edges must be exactly 0→{1,2,4}, 1→{3,5}, 2→6, 3→6, {4,5,6}→7; \(parts.joined(separator: ", "))")
        }
        return nil
    }

    /// Edges i→j that are set in `graph` but not in the fixed adjacency (present) or the reverse.
    private func differingEdges(_ graph: ArchGraph, present: Bool) -> String {
        let n = FourNodeCell.nodeCount
        var found: [String] = []
        for i in 0..<n {
            for j in 0..<n where graph.adjacency[i * n + j] == present && FourNodeCell.adjacency[i * n + j] != present {
                found.append("\(i)→\(j)")
            }
        }
        return found.joined(separator: ", ")
    }

    func identity(_ graph: ArchGraph) -> String {
        guard invalidReason(graph) == nil else { return "<invalid>" }
        return FourNodeCellIdentity.key(graph.ops[FourNodeCell.edgeNodes].map { semantics[$0]! })
    }
}
