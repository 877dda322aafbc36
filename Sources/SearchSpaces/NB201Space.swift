// NAS-Bench-201 (Dong & Yang, ICLR 2020): 5 ops on the 6 edges of a 4-node cell, 5^6 = 15,625 cells.
// Graph form: the 8-node op-on-node encoding of dinas-spec §1.2, node classes in DiNAS order.
// Standard string: the NB201 arch string `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`.

public struct NB201Space: SearchSpace {
    public let name = "nb201"
    /// DiNAS order (dinas-spec §1.2): out 0, inp 1, then the 5 edge ops.
    public var nodeClasses: [String] { Self.classes }
    static let classes = ["out", "inp", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "none"]
    public let maxNodes = FourNodeCell.nodeCount
    public let fixedTopology = true
    public let size = 15_625

    /// The 5 edge operations, as named in arch strings.
    public static let operations = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]

    static let classOfOperation: [String: Int] = Dictionary(uniqueKeysWithValues: operations.map { ($0, classes.firstIndex(of: $0)!) })

    let codec: FourNodeCellCodec

    /// - Parameter requireFixedAdjacency: true (default) makes a graph whose edges differ from the
    ///   fixed NB201 adjacency invalid. false reproduces the DiNAS reference query, which reads only
    ///   the op labels of nodes 1…6 (dinas-spec §6.1).
    public init(requireFixedAdjacency: Bool = true) {
        let classes = Self.classes
        codec = FourNodeCellCodec(
            space: "nb201", nodeClasses: classes, inputClass: 1, outputClass: 0,
            semantics: classes.map { name -> EdgeSemantics? in
                switch name {
                case "out", "inp": return nil
                case "none": return .zero
                case "skip_connect": return .identity
                default: return .transform(name)
                }
            },
            requireFixedAdjacency: requireFixedAdjacency)
    }

    public func encode(_ standard: String) throws -> ArchGraph {
        let names = try FourNodeCell.parseArchString(standard, space: name)
        let classes = try names.map { op -> Int in
            guard let c = Self.classOfOperation[op] else {
                throw SearchSpaceError.unparsable(space: name, input: standard, why: "unknown operation '\(op)'; NB201 operations are \(Self.operations.joined(separator: ", "))")
            }
            return c
        }
        return codec.graph(edgeClasses: classes)
    }

    public func decode(_ graph: ArchGraph) throws -> String {
        FourNodeCell.archString(try codec.edgeClasses(graph).map { nodeClasses[$0] })
    }

    public func invalidReason(_ graph: ArchGraph) -> InvalidReason? { codec.invalidReason(graph) }

    public func identity(_ graph: ArchGraph) -> String { codec.identity(graph) }

    /// Every cell of the space (5^6 arch strings, edge ops varying fastest on the last edge).
    public func allStandards() -> [String] {
        var result: [String] = []
        result.reserveCapacity(size)
        for code in 0..<size {
            var rest = code
            var ops = [String](repeating: "", count: 6)
            for k in stride(from: 5, through: 0, by: -1) {
                ops[k] = Self.operations[rest % 5]
                rest /= 5
            }
            result.append(FourNodeCell.archString(ops))
        }
        return result
    }

    /// NASLib's op indices of a cell, as the text NASLib prints ("(2, 2, 0, 4, 2, 0)"): its edge order
    /// (1←0, 2←0, 3←0, 2←1, 3←1, 3←2) and its codes (skip 0, none 1, conv3x3 2, conv1x1 3, avgpool 4).
    public func naslibEncoding(_ standard: String) -> String? {
        guard let ops = try? FourNodeCell.parseArchString(standard, space: name) else { return nil }
        let naslibOrder = [0, 1, 3, 2, 4, 5]   // arch-string positions: 1←0, 2←0, 2←1, 3←0, 3←1, 3←2
        let codes = naslibOrder.map { Self.naslibCodes.firstIndex(of: ops[$0]) }
        guard codes.allSatisfy({ $0 != nil }) else { return nil }
        return "(" + codes.map { String($0!) }.joined(separator: ", ") + ")"
    }

    static let naslibCodes = ["skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3"]

    /// The NB201 benchmark index of a cell: its row key in the NB201 table (the index order of the
    /// benchmark is its own, not computable from the string, so it comes from the table).
    public func benchmarkIndex(of graph: ArchGraph, in table: BenchmarkTable) -> Int? {
        guard let standard = try? decode(graph), let row = table.row(ofStandard: standard) else { return nil }
        return Int(table.keys[row])
    }
}
