import Foundation
import Compute
import Diffusion
import Model
import SearchSpaces

// DiffusionNAG's loop on our discrete diffusion: each round samples `candidates` cells steered by the
// refitted predictor's gradient (plus any trained conditions), drops invalid and already-evaluated
// ones (isomorphism-aware), and keeps the best-predicted. The first round has no values, so it keeps
// the first unguided (or only condition-guided) samples: the generator's prior is the first guess.
// When a round's samples hold too few new cells, it samples again (three tries), then fills the rest
// at random from the table.

final class DiffusionProposer: Proposer {
    let space: any SearchSpace, pool: CellPool, refit: PredictorRefit, settings: SearchSettings
    let sampler: Sampler
    let targets: [ConditionTarget]

    init(space: any SearchSpace, pool: CellPool, refit: PredictorRefit, settings: SearchSettings, checkpoint: Checkpoint,
         model: GraphTransformer) throws {
        self.space = space; self.pool = pool; self.refit = refit; self.settings = settings
        sampler = try Sampler(device: refit.device, checkpoint: checkpoint, model: model)
        targets = try settings.conditions.map { try ConditionTarget(parsing: $0, conditions: checkpoint.record.conditions, weight: 2) }
    }

    func propose(round: Int, count: Int, history: SearchHistory, phase: (String) -> Void) throws -> [Candidate] {
        var options = SamplingOptions()
        options.batch = settings.candidates
        options.steps = min(settings.samplingSteps, refit.diffusion.schedule.steps)
        options.seed = settings.seed &+ UInt64(round) &* 7919
        options.targets = targets
        var predictor: Predictor?
        if history.labelled.count >= 2 {
            phase("fitting the predictor on \(history.labelled.count) values")
            let p = try refit.fit(history: history, round: round)
            options.predictors = [PredictorGuide(predictor: p, weight: settings.predictorWeight)]
            predictor = p
        }
        var taken = history.evaluated
        var fresh: [ArchGraph] = []
        for attempt in 0..<3 where fresh.count < count {
            phase("sampling \(settings.candidates) cells\(predictor == nil ? "" : " with guidance")\(attempt > 0 ? " (again: too few new)" : "")")
            for s in try sampler.sampleBatch(options, batchIndex: attempt) {
                let g = GraphTensors.graph(nodes: s.nodes, pairs: s.pairs, n: refit.diffusion.model.maxNodes, nodeCount: s.nodeCount)
                guard space.invalidReason(g) == nil, taken.insert(space.identity(g)).inserted else { continue }
                fresh.append(g)
            }
        }
        var chosen: [Candidate]
        if let predictor {
            let predicted = try predictor.predict(fresh.map { GraphTensors($0, n: space.maxNodes) }, t: 0, noise: refit.diffusion, device: refit.device)
            let order = fresh.indices.sorted { settings.direction.prefers(predicted[$0], over: predicted[$1]) }
            chosen = try order.prefix(count).map { try Candidate(graph: fresh[$0], space: space, predicted: predicted[$0], source: "guided") }
        } else {
            chosen = try fresh.prefix(count).map { try Candidate(graph: $0, space: space, source: "sample") }
        }
        if chosen.count < count {
            var rng = roundGenerator(seed: settings.seed, round: round, salt: 0xF111)
            let used = history.evaluated.union(chosen.map(\.identity))
            chosen += try randomCandidates(count - chosen.count, from: pool, space: space, excluding: used, using: &rng, source: "fill")
        }
        return chosen
    }
}
