// A DARTS genotype (Liu et al. 2019) as the DARTS code and NAS-Bench-301 write it: per cell
// (normal, reduce), 8 inputs (op, source), two per intermediate node 2, 3, 4, 5 in that order;
// source 0 = c_{k-2}, 1 = c_{k-1}, 2…5 = an earlier intermediate node. The cell output concatenates
// nodes 2…5 (normal_concat = reduce_concat = [2, 3, 4, 5]).
//
// The two inputs of a node are summed, so listing them in either order is the same network. The
// genotype keeps the order it was given (so string → genotype → string is exact); `canonical`
// sorts each pair by (source, op) and is what identity uses. In the DARTS / NAS-Bench-301 space the
// two inputs of a node come from two different nodes, so the sort never meets a tie on source.

public struct DARTSGenotype: Hashable, Sendable, CustomStringConvertible {
    /// One input of an intermediate node: `op` applied to the output of node `source`.
    public struct Input: Hashable, Sendable {
        public var op: DARTSOp
        public var source: Int
        public init(_ op: DARTSOp, _ source: Int) { self.op = op; self.source = source }
    }

    public static let intermediateNodes = 4
    public static let inputsPerCell = 2 * intermediateNodes

    public var normal: [Input]
    public var reduce: [Input]

    public init(normal: [Input], reduce: [Input]) {
        self.normal = normal
        self.reduce = reduce
    }

    /// Both cells, normal first, with the names the DARTS code uses.
    var cells: [(name: String, inputs: [Input])] { [("normal", normal), ("reduce", reduce)] }

    /// The same network with each node's two inputs sorted by (source, op).
    public var canonical: DARTSGenotype {
        func sorted(_ cell: [Input]) -> [Input] {
            stride(from: 0, to: cell.count, by: 2).flatMap { k -> [Input] in
                let pair = Array(cell[k..<min(k + 2, cell.count)])
                return pair.sorted { ($0.source, $0.op.rawValue) < ($1.source, $1.op.rawValue) }
            }
        }
        return DARTSGenotype(normal: sorted(normal), reduce: sorted(reduce))
    }

    /// The DARTS form: `Genotype(normal=[('sep_conv_3x3', 0), …], normal_concat=[2, 3, 4, 5],
    /// reduce=[…], reduce_concat=[2, 3, 4, 5])`, exactly as Python prints the namedtuple.
    public var description: String {
        func list(_ cell: [Input]) -> String {
            "[" + cell.map { "('\($0.op.name)', \($0.source))" }.joined(separator: ", ") + "]"
        }
        return "Genotype(normal=\(list(normal)), normal_concat=[2, 3, 4, 5], reduce=\(list(reduce)), reduce_concat=[2, 3, 4, 5])"
    }

    /// NASLib's compact form, `[[(source, opCode), …8], […8]]`, as the keys of zc_nasbench301.json.
    public var compact: String {
        func list(_ cell: [Input]) -> String {
            "[" + cell.map { "(\($0.source), \($0.op.rawValue))" }.joined(separator: ", ") + "]"
        }
        return "[\(list(normal)), \(list(reduce))]"
    }

    /// The first rule of the DARTS space this genotype breaks, or nil.
    public func invalidReason() -> InvalidReason? {
        for (name, cell) in cells {
            if cell.count != Self.inputsPerCell {
                return InvalidReason("intermediate-node-input-count",
                                     "the \(name) cell lists \(cell.count) inputs; a DARTS cell lists exactly \(Self.inputsPerCell), two for each intermediate node 2…5")
            }
            for (k, input) in cell.enumerated() {
                let node = 2 + k / 2
                if input.source < 0 {
                    return InvalidReason("unknown-source",
                                         "\(name) node \(node) reads node \(input.source); sources are 0 (c_{k-2}), 1 (c_{k-1}) or an earlier intermediate node")
                }
                if input.source >= node {
                    return InvalidReason("edge-from-later-node",
                                         "\(name) node \(node) reads node \(input.source), which is not earlier; node \(node) may read nodes 0…\(node - 1)")
                }
            }
            for k in 0..<Self.intermediateNodes where cell[2 * k].source == cell[2 * k + 1].source {
                return InvalidReason("repeated-input",
                                     "both inputs of \(name) node \(k + 2) come from node \(cell[2 * k].source); DARTS nodes read two different nodes")
            }
        }
        return nil
    }
}
