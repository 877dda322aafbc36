import Foundation
import Model
import SearchSpaces

// Every field of a checkpoint's header checked against the others before anything is allocated or
// run, in a fixed order, so that a damaged or hostile header gives one line naming the field, never a
// crash, a hang or a run that silently samples nonsense.

extension CheckpointRecord {
    /// The largest T accepted: the per-step matrices are O(T) and no schedule in use exceeds 1,000.
    public static let maxDiffusionSteps = 100_000

    public func validate() throws {
        func fail(_ field: String, _ why: String) -> Error { DiffusionError.badOption(field, why) }
        let entry: RegisteredSpace
        do { entry = try SpaceRegistry.entry(named: space) } catch { throw fail("space", "'\(space)' is not a known search space") }
        do { try model.validate() } catch { throw fail("model", "\(error)") }
        let space = entry.space
        guard model.nodeClasses == space.nodeClasses.count, model.maxNodes == space.maxNodes else {
            throw fail("model", "\(model.nodeClasses) node classes and \(model.maxNodes) nodes, but the \(space.name) space has \(space.nodeClasses.count) and \(space.maxNodes)")
        }
        // The schedule: T steps, ᾱ from 1 down, β in [0, 1], both of length T + 1.
        let T = schedule.steps
        guard (1...Self.maxDiffusionSteps).contains(T) else { throw fail("schedule.steps", "\(T) must be in 1…\(Self.maxDiffusionSteps)") }
        guard schedule.betas.count == T + 1, schedule.alphaBars.count == T + 1 else {
            throw fail("schedule", "\(schedule.betas.count) betas and \(schedule.alphaBars.count) alphaBars; T = \(T) needs \(T + 1) of each")
        }
        guard schedule.betas.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else { throw fail("schedule.betas", "must all lie in [0, 1]") }
        guard schedule.alphaBars.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }),
              zip(schedule.alphaBars, schedule.alphaBars.dropFirst()).allSatisfy({ $1 <= $0 + 1e-12 }) else {
            throw fail("schedule.alphaBars", "must lie in [0, 1] and never increase")
        }
        try checkDistribution(nodeMarginal, count: model.nodeClasses, field: "nodeMarginal")
        try checkDistribution(edgeMarginal, count: model.edgeClasses, field: "edgeMarginal")
        guard nodeCountHistogram.count == model.maxNodes + 1, nodeCountHistogram.allSatisfy({ $0 >= 0 }),
              nodeCountHistogram.reduce(0, { $0 &+ $1 }) > 0, nodeCountHistogram.prefix(2).allSatisfy({ $0 == 0 }) else {
            throw fail("nodeCountHistogram", "needs \(model.maxNodes + 1) counts ≥ 0, none for graphs under 2 nodes, and at least one graph")
        }
        // Conditions: their one-hot blocks (and t/T) make up the condition width.
        for c in conditions {
            let expectedCuts = c.width - 1
            guard c.cuts.count == (c.isBinary ? 1 : expectedCuts), c.cuts.allSatisfy(\.isFinite), (2...20).contains(c.width) else {
                throw fail("conditions", "'\(c.text)' has \(c.cuts.count) cuts for \(c.width) classes, or a cut that is not a finite number")
            }
        }
        try ConditionSpec.requireDistinct(conditions)
        let width = conditions.reduce(0) { $0 + $1.width } + (model.timestep ? 1 : 0)
        guard model.conditionWidth == max(width, 1) else {
            throw fail("model.conditionWidth", "\(model.conditionWidth), but the conditions and t/T take \(max(width, 1))")
        }
        guard model.regressionHidden == nil else { throw fail("model", "describes a predictor, not a diffusion model") }
        if fixedEdges {
            let n = model.maxNodes
            guard let pairs = fixedPairs, pairs.count == n * n, pairs.allSatisfy({ (-1..<model.edgeClasses).contains($0) }) else {
                throw fail("fixedPairs", "fixed edges need \(n * n) pair classes in -1…\(model.edgeClasses - 1)")
            }
        }
        guard step >= 0, epoch >= 0, trainingRows.allSatisfy({ $0 >= 0 }) else {
            throw fail("step", "the step, epoch and training rows must not be negative")
        }
        do { try training.validate() } catch { throw fail("training", "\(error)") }
    }

    private func checkDistribution(_ p: [Double], count: Int, field: String) throws {
        // Stored as class counts (or probabilities): what matters is their ratio.
        guard p.count == count, p.allSatisfy({ $0.isFinite && $0 >= 0 }), p.reduce(0, +) > 0, p.reduce(0, +).isFinite else {
            throw DiffusionError.badOption(field, "needs \(count) finite weights ≥ 0 with a positive sum")
        }
    }
}
