import Foundation
import Compute
import SearchSpaces

// A strategy's one job: given everything evaluated so far, propose the next round's cells. Every
// proposer draws from a seeded generator of (search seed, round), so a run is repeatable.

/// What the search knows when it plans a round.
public struct SearchHistory {
    public let records: [EvaluationRecord]
    /// Identities of every cell evaluated (failed ones too: a search does not try a cell twice).
    public let evaluated: Set<String>
    /// The evaluations that gave a value, in order.
    public let labelled: [(graph: ArchGraph, value: Double)]

    public init(records: [EvaluationRecord]) {
        self.records = records
        evaluated = Set(records.map(\.candidate.identity))
        labelled = records.compactMap { r in r.status == .ok ? r.value.map { (r.candidate.graph, $0) } : nil }
    }
}

protocol Proposer: AnyObject {
    /// Up to `count` cells not in `history.evaluated`, each once; fewer only when the space has no more.
    /// `phase` names long steps (fitting, sampling) for the progress line.
    func propose(round: Int, count: Int, history: SearchHistory, phase: (String) -> Void) throws -> [Candidate]
}

func roundGenerator(seed: UInt64, round: Int, salt: UInt64) -> SplitMix64 {
    var mix = SplitMix64(seed ^ (UInt64(round) &* 0x9E37_79B9_7F4A_7C15) ^ salt)
    return SplitMix64(mix.next())
}

/// `count` cells of the pool not in `excluded`, uniformly, as candidates found by `source`.
func randomCandidates(_ count: Int, from pool: CellPool, space: any SearchSpace, excluding excluded: Set<String>,
                      using rng: inout some RandomNumberGenerator, source: String = "random") throws -> [Candidate] {
    try pool.draw(count, excluding: excluded, using: &rng).map { try Candidate(graph: pool.graphs[$0], space: space, source: source) }
}

/// Random search: unseen cells of the table, uniformly.
final class RandomProposer: Proposer {
    let space: any SearchSpace, pool: CellPool, seed: UInt64
    init(space: any SearchSpace, pool: CellPool, seed: UInt64) { self.space = space; self.pool = pool; self.seed = seed }

    func propose(round: Int, count: Int, history: SearchHistory, phase: (String) -> Void) throws -> [Candidate] {
        var rng = roundGenerator(seed: seed, round: round, salt: 0x7A4D)
        return try randomCandidates(count, from: pool, space: space, excluding: history.evaluated, using: &rng)
    }
}
