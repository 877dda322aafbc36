// Isomorphism-aware identity of a 4-node cell (NAS-Bench-201, TransNAS-Bench-101 micro).
//
// WHICH RULE, AND WHY THIS ONE
// "15,625 cells, 6,466 unique" is the NAS-Bench-201 authors' count, and they define "unique" by a
// symbolic expression of the cell's output, not by graph isomorphism. Written out:
//
//   value(0) = "0"                                  (the cell input)
//   value(j) = the terms of j's incoming edges i→j, sorted (byte order) and joined with "+", where
//     term(none, i)              = "#"              (a zero; kept as a term, not dropped)
//     term(any op, i)            = "#"  if value(i) is exactly "#"
//     term(skip_connect, i)      = value(i)         (identity: the source's text, spliced in as is)
//     term(op, i)                = "(" + value(i) + ")@" + op name
//   identity = value(3)
//
// So: a none edge is a zero term; skip_connect is the identity, which is what makes most of the
// merges; the terms of a sum commute (they are sorted). It is NOT graph isomorphism: of the 1,500
// pairs of distinct cells that differ only by swapping the two intermediate nodes (possible when
// edge 2←1 is none), it merges 64, because node 2 then carries a "#" term that node 1 never has.
// Three properties are part of the rule, and the count depends on each of them, measured over all
// 15,625 cells while deriving it:
//   * zeros are counted, not removed ("#+a" ≠ "a");
//   * a zero only propagates from a node whose whole text is "#" — node 1 with a none edge. Node 2
//     with two none inputs is "#+#", and "(#+#)@nor_conv_3x3" is a term like any other;
//   * a skip edge from a node with several terms splices that node's text in as ONE sort key, and the
//     final text is compared, so "a+b" spliced next to "c" equals the flat sum "a+b+c" only when it
//     happens to sort that way. With a zero symbol that sorts after "(" the count becomes 6,484.
// Counts of the alternatives (all 15,625 cells): this rule 6,466 (the published number); a proper
// multiset of terms (skip flattened, zeros counted) 5,755; skip kept as a nested group 6,900;
// algebraic (zeros dropped and propagated, flattened) 4,930; the graph rule "drop none edges, drop
// edges off every input→output path, identify up to swapping nodes 1 and 2" 8,765 (9,445 without the
// swap). Of these only this one gives 6,466, so it is what "unique" means in NB201 papers; the key
// text equals the NB201 API's unique string, so keys can be compared with other tools.

/// What an edge op does in the identity rule.
public enum EdgeSemantics: Sendable, Hashable {
    /// The zero op ("none"): contributes a zero term.
    case zero
    /// skip_connect: passes its source's value on unchanged.
    case identity
    /// A parameterised or pooling op, named as it appears in the key.
    case transform(String)
}

enum FourNodeCellIdentity {
    static let zero = "#"

    /// The identity key of a cell given the semantics of its 6 edge ops (edge order of
    /// `FourNodeCell.edges`).
    static func key(_ edgeOps: [EdgeSemantics]) -> String {
        precondition(edgeOps.count == FourNodeCell.edges.count)
        var value = ["0"]
        for node in 1...3 {
            var terms: [String] = []
            for (k, edge) in FourNodeCell.edges.enumerated() where edge.to == node {
                let source = value[edge.from]
                switch edgeOps[k] {
                case .zero:
                    terms.append(zero)
                case _ where source == zero:
                    terms.append(zero)
                case .identity:
                    terms.append(source)
                case .transform(let name):
                    terms.append("(" + source + ")@" + name)
                }
            }
            // Byte order, not Swift's Unicode collation: the rule (and its count) is defined on
            // ASCII code order, where "#" < "(" < "0".
            terms.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            value.append(terms.joined(separator: "+"))
        }
        return value[3]
    }
}
