import Dispatch
import Foundation

// Recounts the NAS-Bench-101 space: every cell of 2…7 vertices, ≤ 9 edges, interior ops from the
// three NB101 ops, up to isomorphism (via the NB101 graph hash). The published number is 423,624
// (Ying et al. 2019). About 1.5 s in a release build on 2 cores.
//
// Why it is fast:
// 1. A cell is counted at its pruned size, so only graphs that are already pruned are generated.
//    In a DAG stored in topological order, "every vertex is on an input → output path" is the same
//    as "every vertex but the input has an in-edge and every vertex but the output has an out-edge"
//    (walking back along in-edges can only stop at the input, the only source; likewise forward).
//    That leaves 1 + 2 + 10 + 121 + 1,545 + 4,793 adjacency structures for n = 2…7.
// 2. Two labelled cells can only be isomorphic if their bare structures are, and every labelling
//    of a structure is isomorphic to some labelling of any structure isomorphic to it. So the
//    structures are first grouped by isomorphism (the hash with all interior vertices given one
//    label: 1, 2, 5, 97, 810, 1,574 classes), and only one representative per group has its
//    3^(n-2) op labellings hashed; the distinct fingerprints per representative are summed.
//    About 420,000 hashes instead of 1.3 million, spread over all cores.

public enum NB101Enumeration {
    /// Unique cells in NAS-Bench-101 as published (Ying et al. 2019).
    public static let publishedUniqueCount = 423_624

    /// Number of unique valid cells with at most `maxNodes` vertices and `maxEdges` edges.
    /// `countUnique()` enumerates the whole space and must give `publishedUniqueCount`.
    /// `progress` gets one status line per vertex count and one for the total.
    public static func countUnique(maxNodes: Int = NB101Space.maxVertices,
                                   maxEdges: Int = NB101Space.maxEdges,
                                   progress: (@Sendable (String) -> Void)? = nil) -> Int {
        precondition(maxNodes <= 16, "the edge bit mask holds at most 16 vertices")
        guard maxNodes >= 2 else { return 0 }
        var total = 0
        for n in 2...maxNodes {
            let structures = prunedStructures(nodeCount: n, maxEdges: maxEdges)
            let representatives = oneStructurePerIsomorphismClass(structures, nodeCount: n)
            let unique = countLabellings(of: representatives, nodeCount: n)
            progress?("n = \(n): \(structures.count) pruned structures in \(representatives.count) isomorphism classes, \(unique) unique cells")
            total += unique
        }
        progress?("total: \(total) unique cells")
        return total
    }

    /// Every upper-triangular adjacency on `n` vertices with ≤ `maxEdges` edges in which each
    /// vertex lies on an input → output path, as out-neighbour masks.
    static func prunedStructures(nodeCount n: Int, maxEdges: Int) -> [[UInt64]] {
        var pairs: [(Int, Int)] = []
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { pairs.append((i, j)) } }
        var result: [[UInt64]] = []
        let all = 1 << pairs.count
        let needIn: UInt64 = ((1 << UInt64(n)) - 1) & ~1            // every vertex but the input
        let needOut: UInt64 = (1 << UInt64(n - 1)) - 1              // every vertex but the output
        for code in 0..<all where code.nonzeroBitCount <= maxEdges {
            // Cheap test first (bit sets of vertices with an out-/in-edge); arrays only for keepers.
            var hasOut: UInt64 = 0
            var hasIn: UInt64 = 0
            var rest = code
            while rest != 0 {
                let (i, j) = pairs[rest.trailingZeroBitCount]
                hasOut |= 1 << UInt64(i)
                hasIn |= 1 << UInt64(j)
                rest &= rest - 1
            }
            guard hasIn == needIn, hasOut == needOut else { continue }
            var out = [UInt64](repeating: 0, count: n)
            rest = code
            while rest != 0 {
                let (i, j) = pairs[rest.trailingZeroBitCount]
                out[i] |= 1 << UInt64(j)
                rest &= rest - 1
            }
            result.append(out)
        }
        return result
    }

    /// The first structure of each isomorphism class, identified by the fingerprint of the cell
    /// with every interior vertex labelled conv3x3 (itself one of the cells being counted).
    static func oneStructurePerIsomorphismClass(_ structures: [[UInt64]], nodeCount n: Int) -> [[UInt64]] {
        let uniform = [NB101Space.NodeClass.input]
            + [Int](repeating: NB101Space.NodeClass.conv3x3, count: n - 2) + [NB101Space.NodeClass.output]
        let digests = parallelMap(structures.count) { NB101Hash.fingerprint(outMasks: structures[$0], labels: uniform) }
        var seen = Set<NB101Hash.Digest>()
        return structures.indices.filter { seen.insert(digests[$0]).inserted }.map { structures[$0] }
    }

    /// Σ over the structures of the number of distinct fingerprints among their op labellings.
    static func countLabellings(of structures: [[UInt64]], nodeCount n: Int) -> Int {
        let interior = n - 2
        let labellings = (0..<interior).reduce(1) { product, _ in product * 3 }
        let interiorClasses = [NB101Space.NodeClass.maxpool3x3, NB101Space.NodeClass.conv1x1,
                               NB101Space.NodeClass.conv3x3]
        let counts = parallelMap(structures.count) { s -> Int in
            var labels = [Int](repeating: 0, count: n)
            labels[0] = NB101Space.NodeClass.input
            labels[n - 1] = NB101Space.NodeClass.output
            var seen = Set<NB101Hash.Digest>(minimumCapacity: labellings)
            for code in 0..<labellings {
                var c = code
                for v in 0..<interior {
                    labels[1 + v] = interiorClasses[c % 3]
                    c /= 3
                }
                seen.insert(NB101Hash.fingerprint(outMasks: structures[s], labels: labels))
            }
            return seen.count
        }
        return counts.reduce(0, +)
    }

    /// `(0..<count).map(body)` on all cores (`DispatchQueue.concurrentPerform` over strided chunks).
    static func parallelMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let chunks = min(count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 8)
        let slots = ResultSlots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var local: [(Int, T)] = []
            for i in stride(from: chunk, to: count, by: chunks) { local.append((i, body(i))) }
            slots.store(local)
        }
        return slots.values()
    }
}

/// Results of concurrent chunks, written under a lock (each index exactly once).
private final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ results: [(Int, T)]) {
        lock.lock()
        for (i, v) in results { slots[i] = v }
        lock.unlock()
    }

    func values() -> [T] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
