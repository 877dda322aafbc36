import Foundation
import Compute
import Diffusion
import SearchSpaces

// The baseline a guided generator has to approach: the same refitted predictor scores every cell of the
// table (t = 0) and the best-predicted unseen ones are evaluated. Only possible where the space can be
// enumerated; the first round, with no values yet, is random.

final class PredictorRankProposer: Proposer {
    let space: any SearchSpace, pool: CellPool, refit: PredictorRefit, seed: UInt64
    let poolTensors: [GraphTensors]

    init(space: any SearchSpace, pool: CellPool, refit: PredictorRefit, seed: UInt64) {
        self.space = space; self.pool = pool; self.refit = refit; self.seed = seed
        poolTensors = pool.graphs.map { GraphTensors($0, n: space.maxNodes) }
    }

    func propose(round: Int, count: Int, history: SearchHistory, phase: (String) -> Void) throws -> [Candidate] {
        guard history.labelled.count >= 2 else {
            var rng = roundGenerator(seed: seed, round: round, salt: 0x7A4D)
            return try randomCandidates(count, from: pool, space: space, excluding: history.evaluated, using: &rng)
        }
        phase("fitting the predictor on \(history.labelled.count) values")
        let predictor = try refit.fit(history: history, round: round)
        phase("ranking \(pool.count) cells")
        let predicted = try predictor.predict(poolTensors, t: 0, noise: refit.diffusion, device: refit.device)
        let better = refit.settings.direction
        let order = pool.graphs.indices.filter { !history.evaluated.contains(pool.identities[$0]) }
            .sorted { better.prefers(predicted[$0], over: predicted[$1]) }
        return try order.prefix(count).map { try Candidate(graph: pool.graphs[$0], space: space, predicted: predicted[$0], source: "ranked") }
    }
}
