// DARTS / NAS-Bench-301 (Liu et al. 2019; Siems et al. 2020): both cells of a genotype as ONE
// ops-on-nodes graph of 2 × 11 nodes, normal cell first. A bijective replacement for AG-Net's lossy
// encoding (dinas-spec §1.2, §7 B8 and B10, §8.2): DiNAS drops the normal cell and its index
// arithmetic confuses some sources; here every genotype maps to one graph and back.
//
// One cell, at offset o = 0 (normal) or 11 (reduce):
//
//     o+0        c_{k-2}  (class 0)           the two cell inputs
//     o+1        c_{k-1}  (class 1)
//     o+2+k      op node of genotype input k (k = 0…7; class 2 + NASLib op code), so the op nodes
//                of intermediate node d = 2…5 are o+2d-2 and o+2d-1, in the genotype's order
//     o+10       output   (class 9)           concatenation of nodes 2…5
//
// Edges: an op node reading source s gets an edge from o+s when s is a cell input (0, 1), and from
// BOTH op nodes of node s when s is an intermediate node (their sum is node s's output). Every op
// node has an edge to the output. There are no edges between the two cells.
// Every edge goes from a lower to a higher index, so the order is topological (the model reads
// direction from i < j). The source of every op node can be read back from its in-edges, and the
// op from its class: decode(encode(g)) == g for every genotype, in the order it was written.
// Identity is the canonical genotype (each node's inputs sorted), so both orders of a pair, which
// compute the same sum, are one architecture.

public struct DARTSSpace: SearchSpace {
    public init() {}

    public static let cellNodeCount = 11
    public static let nodeCount = 2 * cellNodeCount
    /// Position of the output node inside a cell.
    static let outputSlot = 10
    /// Node classes: the two cell inputs, the seven ops (NASLib order), the output.
    public static let inputClasses = [0, 1]
    public static let outputClass = 9
    public static func opClass(_ op: DARTSOp) -> Int { 2 + op.rawValue }

    public var name: String { "darts" }
    public var nodeClasses: [String] { ["c_{k-2}", "c_{k-1}"] + DARTSOp.names + ["output"] }
    public var maxNodes: Int { Self.nodeCount }
    public var fixedTopology: Bool { false }
    /// Distinct architectures: per cell, node d picks 2 of its d different predecessors with
    /// one of 7 ops each, unordered: C(2,2)·C(3,2)·C(4,2)·C(5,2)·7^8 = 180·7^8; squared for two cells.
    public var size: Int {
        let perCell = 1 * 3 * 6 * 10 * 5_764_801  // 7^8
        return perCell * perCell
    }

    public func encode(_ standard: String) throws -> ArchGraph {
        let genotype = try DARTSGenotype.parse(standard)
        if let reason = genotype.invalidReason() { throw SearchSpaceError.invalid(space: name, reason) }
        return Self.graph(of: genotype)
    }

    public func decode(_ graph: ArchGraph) throws -> String {
        switch Self.genotype(of: graph) {
        case let .success(genotype): return genotype.description
        case let .failure(reason): throw SearchSpaceError.invalid(space: name, reason)
        }
    }

    public func invalidReason(_ graph: ArchGraph) -> InvalidReason? {
        if case let .failure(reason) = Self.genotype(of: graph) { return reason }
        return nil
    }

    /// The canonical genotype string (each node's two inputs sorted by source, then op). It is
    /// itself a standard string.
    public func identity(_ graph: ArchGraph) -> String {
        switch Self.genotype(of: graph) {
        case let .success(genotype): return genotype.canonical.description
        case let .failure(reason): return "invalid:\(reason.reason)"
        }
    }

    // MARK: genotype → graph

    /// The graph of a genotype that passed `invalidReason()`.
    public static func graph(of genotype: DARTSGenotype) -> ArchGraph {
        let n = nodeCount
        var ops = [Int](repeating: 0, count: n)
        var adjacency = [Bool](repeating: false, count: n * n)
        for (c, cell) in [genotype.normal, genotype.reduce].enumerated() {
            let o = c * cellNodeCount
            ops[o] = inputClasses[0]
            ops[o + 1] = inputClasses[1]
            ops[o + outputSlot] = outputClass
            for (k, input) in cell.enumerated() {
                let p = o + 2 + k
                ops[p] = opClass(input.op)
                for s in sourceSlots(of: input.source) { adjacency[(o + s) * n + p] = true }
                adjacency[p * n + o + outputSlot] = true
            }
        }
        return ArchGraph(ops: ops, adjacency: adjacency)
    }

    /// Slots inside a cell whose outputs make up node `source`.
    static func sourceSlots(of source: Int) -> [Int] {
        source < 2 ? [source] : [2 * source - 2, 2 * source - 1]
    }

    /// Intermediate node (2…5) an op slot (2…9) belongs to.
    static func intermediateNode(ofSlot slot: Int) -> Int { slot / 2 + 1 }

    // MARK: graph → genotype, with the validity rules

    /// What a graph decodes to (`Result` would need InvalidReason to be an Error).
    enum Decoding {
        case success(DARTSGenotype)
        case failure(InvalidReason)
    }

    /// The genotype a graph encodes, or the first rule it breaks.
    static func genotype(of g: ArchGraph) -> Decoding {
        let n = nodeCount
        guard g.nodeCount == n else {
            return .failure(InvalidReason("wrong-node-count",
                                          "the graph has \(g.nodeCount) nodes; a DARTS genotype is \(n) (two cells of \(cellNodeCount))"))
        }
        let classCount = outputClass + 1
        if let v = g.ops.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            return .failure(InvalidReason("unknown-op-class", "node \(v) has class \(g.ops[v]); classes are 0…\(classCount - 1)"))
        }
        if let reason = slotClassViolation(g) { return .failure(reason) }
        if let reason = edgeViolation(g) { return .failure(reason) }

        var cells: [[DARTSGenotype.Input]] = []
        for c in 0..<2 {
            let o = c * cellNodeCount
            let cellName = c == 0 ? "normal" : "reduce"
            var inputs: [DARTSGenotype.Input] = []
            for slot in 2..<outputSlot {
                let p = o + slot
                let node = intermediateNode(ofSlot: slot)
                guard g.hasEdge(p, o + outputSlot) else {
                    return .failure(InvalidReason("op-node-not-to-output",
                                                  "\(cellName) op node \(p) (node \(node)) has no edge to the cell output \(o + outputSlot); every op node feeds the output"))
                }
                var sources: [Int] = []
                for s in 0..<2 where g.hasEdge(o + s, p) { sources.append(s) }
                for earlier in 2..<node {
                    let (first, second) = (o + 2 * earlier - 2, o + 2 * earlier - 1)
                    switch (g.hasEdge(first, p), g.hasEdge(second, p)) {
                    case (true, true): sources.append(earlier)
                    case (false, false): break
                    case let (hasFirst, _):
                        return .failure(InvalidReason("partial-source",
                                                      "\(cellName) op node \(p) reads only op node \(hasFirst ? first : second) of node \(earlier); reading node \(earlier) takes edges from both its op nodes \(first) and \(second)"))
                    }
                }
                if sources.isEmpty {
                    return .failure(InvalidReason("intermediate-node-missing-input",
                                                  "\(cellName) op node \(p) has no source, so node \(node) lacks one of its 2 inputs"))
                }
                if sources.count > 1 {
                    return .failure(InvalidReason("op-node-several-sources",
                                                  "\(cellName) op node \(p) reads nodes \(sources.map(String.init).joined(separator: " and ")); each op node reads exactly one node, so node \(node) would have more than 2 inputs"))
                }
                inputs.append(DARTSGenotype.Input(DARTSOp(rawValue: g.ops[p] - 2)!, sources[0]))
            }
            cells.append(inputs)
        }
        let genotype = DARTSGenotype(normal: cells[0], reduce: cells[1])
        if let reason = genotype.invalidReason() { return .failure(reason) }
        return .success(genotype)
    }

    /// Inputs, op nodes and output must each hold their own kind of class.
    private static func slotClassViolation(_ g: ArchGraph) -> InvalidReason? {
        var names: [String] { DARTSSpace().nodeClasses }  // only built for the message
        for c in 0..<2 {
            let o = c * cellNodeCount
            for s in 0..<2 where g.ops[o + s] != inputClasses[s] {
                return InvalidReason("input-slot-not-input",
                                     "node \(o + s) must be the cell input \(names[inputClasses[s]]), it is \(names[g.ops[o + s]])")
            }
            for slot in 2..<outputSlot where !(2...8).contains(g.ops[o + slot]) {
                return InvalidReason("op-slot-not-op",
                                     "node \(o + slot) must hold an operation (\(DARTSOp.names.joined(separator: ", "))), it is \(names[g.ops[o + slot]])")
            }
            if g.ops[o + outputSlot] != outputClass {
                return InvalidReason("output-slot-not-output",
                                     "node \(o + outputSlot) must be the cell output, it is \(names[g.ops[o + outputSlot]])")
            }
        }
        return nil
    }

    /// Edges that no genotype produces, whatever the op nodes read.
    private static func edgeViolation(_ g: ArchGraph) -> InvalidReason? {
        let adjacency = g.adjacency
        for index in 0..<adjacency.count where adjacency[index] {
            let (i, j) = index.quotientAndRemainder(dividingBy: nodeCount)
            if i == j { return InvalidReason("self-loop", "node \(i) has an edge to itself") }
            if i > j {
                return InvalidReason("edge-from-later-node",
                                     "edge \(i) → \(j) comes from a later node; edges go from lower to higher indices")
            }
            if i / cellNodeCount != j / cellNodeCount {
                return InvalidReason("edge-between-cells",
                                     "edge \(i) → \(j) joins the normal cell (nodes 0…10) to the reduction cell (11…21)")
            }
            let (a, b) = (i % cellNodeCount, j % cellNodeCount)
            if b < 2 { return InvalidReason("edge-into-input", "edge \(i) → \(j) enters a cell input") }
            if a < 2 && b == outputSlot {
                return InvalidReason("input-to-output-edge",
                                     "edge \(i) → \(j) joins a cell input straight to the output; the output concatenates nodes 2…5 only")
            }
            if a >= 2 && b < outputSlot && intermediateNode(ofSlot: a) == intermediateNode(ofSlot: b) {
                return InvalidReason("edge-within-intermediate-node",
                                     "edge \(i) → \(j) joins the two op nodes of node \(intermediateNode(ofSlot: a)); a node cannot read itself")
            }
        }
        return nil
    }
}
