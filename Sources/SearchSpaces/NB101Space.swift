// NAS-Bench-101 (Ying et al. 2019): a cell is a DAG of at most 7 vertices, vertex 0 the input,
// the last vertex the output, every interior vertex one of conv3x3-bn-relu, conv1x1-bn-relu,
// maxpool3x3, at most 9 edges, upper-triangular adjacency. Ops sit on the nodes already, so the
// graph the diffusion model sees is the cell itself (dinas-spec §1.2, §8.2).
//
// Node classes, in DiNAS order (dinas-spec §1.2): input 0, maxpool3x3 1, conv1x1-bn-relu 2,
// conv3x3-bn-relu 3, output 4.
//
// Padding: `ArchGraph` holds the pruned cell with its own n (2…7). The model pads to `maxNodes` = 7
// with masked nodes (node mask false, all-zero one-hot rows and columns, as in DiGress) and samples
// n from the empirical node-count histogram; there is no "padding" node class. A graph that comes
// back with extra nodes that are not on an input → output path is still accepted: those nodes are
// pruned exactly as NAS-Bench-101 prunes them.
//
// Validity follows NAS-Bench-101's ModelSpec: the graph is pruned first and the size, edge and op
// rules are checked on the pruned cell, so ops on pruned-away vertices do not matter.

public struct NB101Space: SearchSpace {
    public init() {}

    /// Node class ids (DiNAS order).
    public enum NodeClass {
        public static let input = 0
        public static let maxpool3x3 = 1
        public static let conv1x1 = 2
        public static let conv3x3 = 3
        public static let output = 4
    }

    public static let maxVertices = 7
    public static let maxEdges = 9

    public var name: String { "nb101" }
    public var nodeClasses: [String] { Self.opNames }
    public var maxNodes: Int { Self.maxVertices }
    public var fixedTopology: Bool { false }
    /// Unique cells, as published (and recounted by `NB101Enumeration.countUnique`).
    public var size: Int { NB101Enumeration.publishedUniqueCount }

    /// Accepts any spec NAS-Bench-101's ModelSpec accepts (also unpruned ones) and returns the
    /// pruned cell. Throws `.unparsable` for a malformed string, `.invalid` for a broken rule.
    public func encode(_ standard: String) throws -> ArchGraph {
        let raw = try Self.parse(standard)
        if let reason = invalidReason(raw) { throw SearchSpaceError.invalid(space: name, reason) }
        return Self.pruned(raw)!
    }

    /// The standard string of the pruned cell; for an already pruned valid cell `encode` gives the
    /// graph back exactly.
    public func decode(_ graph: ArchGraph) throws -> String {
        if let reason = invalidReason(graph) { throw SearchSpaceError.invalid(space: name, reason) }
        return Self.format(Self.pruned(graph)!)
    }

    public func invalidReason(_ g: ArchGraph) -> InvalidReason? {
        let n = g.nodeCount
        let names = Self.opNames
        if n < 2 {
            return InvalidReason("too-few-nodes",
                                 "a cell needs at least an input and an output node, got \(n) node(s)")
        }
        if let v = g.ops.firstIndex(where: { $0 < 0 || $0 >= names.count }) {
            return InvalidReason("unknown-op-class",
                                 "node \(v) has class \(g.ops[v]); classes are 0…\(names.count - 1) (\(names.joined(separator: ", ")))")
        }
        for i in 0..<n {
            for j in 0...i where g.hasEdge(i, j) {
                return InvalidReason("edge-not-forward",
                                     "edge \(i) → \(j) does not go to a later node; only the strict upper triangle may be set")
            }
        }
        if g.ops[0] != NodeClass.input {
            return InvalidReason("input-not-first", "node 0 is \(names[g.ops[0]]), it must be input")
        }
        if g.ops[n - 1] != NodeClass.output {
            return InvalidReason("output-not-last", "node \(n - 1) (the last) is \(names[g.ops[n - 1]]), it must be output")
        }
        guard let cell = Self.pruned(g) else {
            return InvalidReason("input-output-disconnected", "no path leads from the input to the output")
        }
        let m = cell.nodeCount
        if let v = (1..<(m - 1)).first(where: { ![NodeClass.maxpool3x3, NodeClass.conv1x1, NodeClass.conv3x3].contains(cell.ops[$0]) }) {
            return InvalidReason("interior-op-not-allowed",
                                 "interior node \(v) of the pruned cell is \(names[cell.ops[v]]); interior nodes must be conv3x3-bn-relu, conv1x1-bn-relu or maxpool3x3")
        }
        if m > Self.maxVertices {
            return InvalidReason("too-many-nodes",
                                 "the pruned cell has \(m) nodes, at most \(Self.maxVertices) are allowed")
        }
        let edges = Self.edgeCount(cell)
        if edges > Self.maxEdges {
            return InvalidReason("too-many-edges",
                                 "the pruned cell has \(edges) edges, at most \(Self.maxEdges) are allowed")
        }
        return nil
    }

    /// The NAS-Bench-101 graph hash of the pruned cell as 32 hex digits (`NB101Hash`).
    public func identity(_ graph: ArchGraph) -> String {
        Self.fingerprint(Self.pruned(graph) ?? graph).description
    }

    /// Fingerprint of a cell as it stands (callers prune first).
    static func fingerprint(_ g: ArchGraph) -> NB101Hash.Digest {
        let n = g.nodeCount
        var masks = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) where g.hasEdge(i, j) { masks[i] |= 1 << UInt64(j) }
        }
        return NB101Hash.fingerprint(outMasks: masks, labels: g.ops)
    }
}
