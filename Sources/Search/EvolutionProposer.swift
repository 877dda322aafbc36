import Foundation
import Compute
import SearchSpaces

// Regularised evolution (Real et al., 2019): the population is the last 20 evaluations that gave a
// value (the oldest leaves as a new one enters: ageing); each child is the best of 5 drawn from it,
// mutated once. Until 20 values exist, cells are drawn at random. A round of B asks for B children of
// the same population, which is what evolution does when B workers evaluate in parallel.

final class EvolutionProposer: Proposer {
    static let population = 20, tournament = 5

    let space: any SearchSpace, pool: CellPool, seed: UInt64, direction: MetricDirection

    init(space: any SearchSpace, pool: CellPool, seed: UInt64, direction: MetricDirection) {
        self.space = space; self.pool = pool; self.seed = seed; self.direction = direction
    }

    func propose(round: Int, count: Int, history: SearchHistory, phase: (String) -> Void) throws -> [Candidate] {
        var rng = roundGenerator(seed: seed, round: round, salt: 0xE70)
        let alive = Array(history.labelled.suffix(Self.population))
        guard alive.count == Self.population else {
            return try randomCandidates(count, from: pool, space: space, excluding: history.evaluated, using: &rng)
        }
        var taken = history.evaluated
        var children: [Candidate] = []
        for _ in 0..<count {
            var child: Candidate?
            for _ in 0..<100 where child == nil {
                let contestants = alive.indices.shuffled(using: &rng).prefix(Self.tournament)
                let parent = contestants.reduce(contestants.first!) { direction.prefers(alive[$1].value, over: alive[$0].value) ? $1 : $0 }
                if let g = mutate(alive[parent].graph, using: &rng), taken.insert(space.identity(g)).inserted {
                    child = try Candidate(graph: g, space: space, source: "mutation")
                }
            }
            // Every mutation of the tournament winners already evaluated: a random cell keeps the round full.
            if child == nil, let c = try randomCandidates(1, from: pool, space: space, excluding: taken, using: &rng).first {
                taken.insert(c.identity)
                child = c
            }
            if let child { children.append(child) }
        }
        return children
    }

    /// One change: a node's class (among those the row takes in the table), or, in spaces whose
    /// topology varies, one edge flipped. nil when 50 tries gave no valid different cell.
    func mutate(_ g: ArchGraph, using rng: inout some RandomNumberGenerator) -> ArchGraph? {
        let n = g.nodeCount
        guard n > 2 else { return nil }
        for _ in 0..<50 {
            var m = g
            if !space.fixedTopology && Bool.random(using: &rng) {
                let i = Int.random(in: 0..<(n - 1), using: &rng), j = Int.random(in: (i + 1)..<n, using: &rng)
                m.adjacency[i * n + j].toggle()
            } else {
                let row = Int.random(in: 1..<(n - 1), using: &rng)
                let choices = pool.rowClasses[row].filter { $0 != g.ops[row] }
                guard let op = choices.randomElement(using: &rng) else { continue }
                m.ops[row] = op
            }
            if m != g, space.invalidReason(m) == nil { return m }
        }
        return nil
    }
}
