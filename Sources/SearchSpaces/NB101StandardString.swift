// The NB101 standard string: the adjacency rows as 0/1 digits, a "|", then the operation names of
// NAS-Bench-101 in node order, e.g. (input → conv3x3 → output, plus input → output)
//
//     011,001,000|input,conv3x3-bn-relu,output
//
// It is exactly NAS-Bench-101's ModelSpec(matrix, ops) written on one line, so nothing is lost and
// a person can read it. `decode` always writes the pruned cell, so equal cells written by us are
// equal strings up to vertex numbering (use `identity` for isomorphism).

extension NB101Space {
    /// Operation names as NAS-Bench-101 writes them, index = node class.
    static let opNames = ["input", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu", "output"]

    /// Graph → string; writes exactly what the graph holds (no pruning, no checks).
    static func format(_ g: ArchGraph) -> String {
        let n = g.nodeCount
        let rows = (0..<n).map { i in
            String((0..<n).map { j in g.hasEdge(i, j) ? Character("1") : Character("0") })
        }
        let ops = g.ops.map { $0 >= 0 && $0 < opNames.count ? opNames[$0] : "class\($0)" }
        return rows.joined(separator: ",") + "|" + ops.joined(separator: ",")
    }

    /// String → graph as written (not pruned, not checked beyond its shape).
    static func parse(_ text: String) throws -> ArchGraph {
        func fail(_ why: String) -> SearchSpaceError {
            .unparsable(space: "nb101", input: text, why: why
                + "; expected rows of 0/1 then '|' then op names, e.g. "
                + "'011,001,000|input,conv3x3-bn-relu,output'")
        }
        let halves = trimSpaces(text).split(separator: "|", omittingEmptySubsequences: false)
        guard halves.count == 2 else { throw fail("found \(halves.count - 1) '|' separators, need exactly 1") }

        let rows = halves[0].split(separator: ",", omittingEmptySubsequences: false)
            .map(trimSpaces)
        let opTokens = halves[1].split(separator: ",", omittingEmptySubsequences: false)
            .map(trimSpaces)
        let n = opTokens.count
        guard rows.count == n else {
            throw fail("\(rows.count) matrix rows but \(n) ops")
        }
        var adjacency: [Bool] = []
        adjacency.reserveCapacity(n * n)
        for (i, row) in rows.enumerated() {
            guard row.count == n else { throw fail("row \(i) has \(row.count) digits, need \(n)") }
            for c in row {
                switch c {
                case "0": adjacency.append(false)
                case "1": adjacency.append(true)
                default: throw fail("row \(i) holds '\(c)', only 0 and 1 are allowed")
                }
            }
        }
        var ops: [Int] = []
        for token in opTokens {
            guard let k = opNames.firstIndex(of: token) else {
                throw fail("unknown op '\(token)' (known: \(opNames.joined(separator: ", ")))")
            }
            ops.append(k)
        }
        return ArchGraph(ops: ops, adjacency: adjacency)
    }
}

/// Leading and trailing spaces, tabs and newlines removed.
private func trimSpaces<S: StringProtocol>(_ s: S) -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let first = s.firstIndex(where: { !isSpace($0) }),
          let last = s.lastIndex(where: { !isSpace($0) }) else { return "" }
    return String(s[first...last])
}
