import Foundation
import SearchSpaces

// The architectures of a benchmark table as dense class tensors, with their condition classes, the
// marginals that define the noise (dinas-spec §1.1: m_X over real nodes, m_E over ordered
// off-diagonal pairs of real nodes) and the node-count histogram used to size sampled graphs.

public struct TrainingSet: Sendable {
    public let n: Int
    public let graphs: [GraphTensors]
    /// Table row of each graph.
    public let rows: [Int]
    /// conditionClasses[k][i]: class of graph i under condition k.
    public let conditionClasses: [[Int]]
    public let nodeMarginal: [Double]
    public let edgeMarginal: [Double]
    /// nodeCountHistogram[m] = number of graphs with m nodes.
    public let nodeCountHistogram: [Int]

    /// `exclude` drops rows (e.g. a held-out top 1 %). Rows whose string does not encode or whose
    /// condition metric is missing are skipped and counted in `skipped`.
    public init(space: any SearchSpace, table: BenchmarkTable, conditions: [ConditionSpec], exclude: Set<Int> = []) throws {
        let n = space.maxNodes
        var graphs: [GraphTensors] = [], rows: [Int] = []
        var classes = [[Int]](repeating: [], count: conditions.count)
        let columns = try conditions.map { try table.column($0.metric) }
        for r in 0..<table.rowCount where !exclude.contains(r) {
            guard let g = try? space.encode(table.standards[r]), space.invalidReason(g) == nil else { continue }
            let cs = conditions.indices.map { conditions[$0].classOf(columns[$0][r]) }
            if cs.contains(where: { $0 == nil }) { continue }
            graphs.append(GraphTensors(g, n: n))
            rows.append(r)
            for k in conditions.indices { classes[k].append(cs[k]!) }
        }
        guard !graphs.isEmpty else {
            throw DiffusionError.badOption("--space \(space.name)", "no architecture of the table could be encoded")
        }
        var mx = [Double](repeating: 0, count: space.nodeClasses.count)
        var me = [Double](repeating: 0, count: 2)
        var hist = [Int](repeating: 0, count: n + 1)
        for g in graphs {
            for c in g.nodes where c >= 0 { mx[Int(c)] += 1 }
            for c in g.pairs where c >= 0 { me[Int(c)] += 1 }
            hist[g.nodeCount] += 1
        }
        self.n = n
        self.graphs = graphs
        self.rows = rows
        conditionClasses = classes
        // A class that never occurs would make the limit distribution degenerate: floor the
        // frequencies (not the counts) at 1e-3, then renormalise.
        func floored(_ counts: [Double]) -> [Double] {
            let total = max(counts.reduce(0, +), 1)
            let p = counts.map { max($0 / total, 1e-3) }
            let s = p.reduce(0, +)
            return p.map { $0 / s }
        }
        nodeMarginal = floored(mx)
        edgeMarginal = floored(me)
        nodeCountHistogram = hist
    }

    public var count: Int { graphs.count }
}
