// The cell shape shared by NAS-Bench-201 and TransNAS-Bench-101 micro: 4 nodes (0 = cell input,
// 3 = cell output), one operation on each of the 6 edges j ← i (i < j), node j = sum of its edges.
//
// The diffusion model sees the op-on-node form of dinas-spec §1.2 (AG-Net encoding): every edge
// becomes a node, so the graph has 8 nodes with a fixed adjacency and only the 6 edge ops vary.

/// Geometry and text form of the 4-node, 6-edge cell, independent of the op vocabulary.
public enum FourNodeCell {
    /// The 6 edges as (to, from), in the order of the NAS-Bench-201 arch string
    /// `|e(1←0)|+|e(2←0)|e(2←1)|+|e(3←0)|e(3←1)|e(3←2)|`. Edge k is op node k + 1 of the graph.
    public static let edges: [(to: Int, from: Int)] = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]

    /// Op-on-node graph: 8 nodes = input, the 6 edge ops, output.
    public static let nodeCount = 8
    public static let inputNode = 0
    public static let outputNode = 7
    public static let edgeNodes = 1...6

    /// Directed edges of the op-on-node graph (dinas-spec §1.2):
    /// 0→{1,2,4}, 1→{3,5}, 2→6, 3→6, 4→7, 5→7, 6→7. An op node feeds every op node that reads
    /// the cell node it writes to; op nodes writing to cell node 3 feed the output.
    public static let successors: [[Int]] = [[1, 2, 4], [3, 5], [6], [6], [7], [7], [7], []]

    /// `successors` as the row-major 8×8 matrix `ArchGraph` stores.
    public static let adjacency: [Bool] = {
        var a = [Bool](repeating: false, count: nodeCount * nodeCount)
        for (i, targets) in successors.enumerated() {
            for j in targets { a[i * nodeCount + j] = true }
        }
        return a
    }()

    /// Parses `|a~0|+|b~0|c~1|+|d~0|e~1|f~2|` into the 6 op names in edge order. Checks the
    /// shape (3 groups of 1, 2, 3 edges with source indices 0…j−1) but not the op vocabulary.
    static func parseArchString(_ text: String, space: String) throws -> [String] {
        // One pass over the bytes; tables load 15,625 of these, and Character-based splitting
        // was half the load time. Anything unexpected goes to the slow parser for its message.
        if let ops = scanArchString(text) { return ops }
        return try describeArchStringError(text, space: space)
    }

    private static func scanArchString(_ text: String) -> [String]? {
        let bar = UInt8(ascii: "|"), plus = UInt8(ascii: "+"), tilde = UInt8(ascii: "~"), zero = UInt8(ascii: "0")
        var text = text
        return text.withUTF8 { b -> [String]? in
            var ops: [String] = []
            ops.reserveCapacity(6)
            var i = 0
            for target in 1...3 {
                if target > 1 {
                    guard i < b.count, b[i] == plus else { return nil }
                    i += 1
                }
                guard i < b.count, b[i] == bar else { return nil }
                i += 1
                for source in 0..<target {
                    let start = i
                    while i < b.count, b[i] != tilde, b[i] != bar, b[i] != plus { i += 1 }
                    guard i > start, i + 2 < b.count, b[i] == tilde, b[i + 1] == zero + UInt8(source), b[i + 2] == bar else { return nil }
                    ops.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
                    i += 3
                }
            }
            return i == b.count ? ops : nil
        }
    }

    /// The original, Character-based parse: slow, but names exactly what is wrong.
    private static func describeArchStringError(_ text: String, space: String) throws -> [String] {
        func fail(_ why: String) -> SearchSpaceError { .unparsable(space: space, input: text, why: why) }
        let expectedShape = "expected |op~0|+|op~0|op~1|+|op~0|op~1|op~2|"
        let groups = text.split(separator: "+", omittingEmptySubsequences: false)
        guard groups.count == 3 else {
            throw fail("found \(groups.count) node groups separated by '+', \(expectedShape)")
        }
        var ops: [String] = []
        for (g, group) in groups.enumerated() {
            let target = g + 1
            guard group.count >= 2, group.first == "|", group.last == "|" else {
                throw fail("node group \(target) '\(group)' must start and end with '|'; \(expectedShape)")
            }
            let items = group.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false)
            guard items.count == target else {
                throw fail("node \(target) has \(items.count) incoming edges, needs \(target); \(expectedShape)")
            }
            for (source, item) in items.enumerated() {
                let parts = item.split(separator: "~", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw fail("edge '\(item)' is not of the form op~source")
                }
                guard parts[1] == Substring(String(source)) else {
                    throw fail("edge '\(item)' into node \(target) must read from node \(source) (edges are listed in source order)")
                }
                ops.append(String(parts[0]))
            }
        }
        return ops
    }

    /// The arch string for 6 op names in edge order.
    static func archString(_ ops: [String]) -> String {
        precondition(ops.count == 6)
        return "|\(ops[0])~0|+|\(ops[1])~0|\(ops[2])~1|+|\(ops[3])~0|\(ops[4])~1|\(ops[5])~2|"
    }
}
