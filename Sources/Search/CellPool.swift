import Foundation
import SearchSpaces

// The cells random search, evolution's first population and the predictor's ranking draw from: one
// valid cell per identity of the space's table (NB201's 15,625 rows are 6,466 distinct functions).
// NB201 and TransNAS micro tables are their whole spaces; for NB101 and DARTS the pool is the table's
// subset, so "random" there means random over the cells the table holds.

public struct CellPool: Sendable {
    public let graphs: [ArchGraph]
    public let identities: [String]
    /// Which classes each row takes over the pool: where mutations may go.
    public let rowClasses: [[Int]]

    public init(space: any SearchSpace, table: BenchmarkTable) {
        var graphs: [ArchGraph] = [], identities: [String] = [], seen = Set<String>()
        for s in table.standards {
            guard let g = try? space.encode(s), space.invalidReason(g) == nil, g.nodeCount <= space.maxNodes else { continue }
            let id = space.identity(g)
            guard seen.insert(id).inserted else { continue }
            graphs.append(g)
            identities.append(id)
        }
        self.graphs = graphs
        self.identities = identities
        var classes = [Set<Int>](repeating: [], count: space.maxNodes)
        for g in graphs { for (i, op) in g.ops.enumerated() { classes[i].insert(op) } }
        rowClasses = classes.map { $0.sorted() }
    }

    public var count: Int { graphs.count }

    /// `count` cells whose identities are not in `excluded`, uniformly at random.
    public func draw(_ count: Int, excluding excluded: Set<String>, using rng: inout some RandomNumberGenerator) -> [Int] {
        var picked: [Int] = [], taken = excluded
        var order = Array(graphs.indices)
        order.shuffle(using: &rng)
        for i in order where picked.count < count && taken.insert(identities[i]).inserted { picked.append(i) }
        return picked
    }
}
