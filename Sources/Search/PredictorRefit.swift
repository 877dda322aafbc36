import Foundation
import Compute
import Diffusion
import Model
import SearchSpaces

// The predictor the diffusion and predictor-rank strategies share: fitted on every value so far at the
// start of each round, continuing from the last round's weights (a cold fit takes `firstFitSteps`,
// a warm one `refitSteps`), with nothing held out — the round's own candidates are its test, and the
// search reports its rank correlation on them. Saved beside the run after each fit.

final class PredictorRefit {
    let device: Device
    let diffusion: CheckpointRecord
    let settings: SearchSettings
    let support: RowClassSupport
    let path: String
    private(set) var weights: [Float]?

    init(device: Device, diffusion: CheckpointRecord, settings: SearchSettings, pool: CellPool, space: any SearchSpace, path: String) throws {
        self.device = device; self.diffusion = diffusion; self.settings = settings; self.path = path
        support = RowClassSupport(graphs: pool.graphs.map { GraphTensors($0, n: space.maxNodes) })
        // A resumed run continues from the weights it saved.
        if FileManager.default.fileExists(atPath: path) {
            let saved = try Predictor.read(from: path)
            try saved.requireCompatible(with: diffusion, path: path)
            weights = saved.parameters
        }
    }

    func fit(history: SearchHistory, round: Int) throws -> Predictor {
        var options = PredictorTrainingOptions()
        options.steps = weights == nil ? settings.firstFitSteps : settings.refitSteps
        options.seed = settings.seed &+ UInt64(round) &* 1_000_003
        let labels = history.labelled.map { LabelledGraph(graph: GraphTensors($0.graph, n: diffusion.model.maxNodes), value: $0.value) }
        let trainer = try PredictorTrainer(device: device, diffusion: diffusion, metric: settings.metric, direction: settings.direction,
                                           labels: labels, support: support, options: options, holdOut: false)
        let predictor = try trainer.run(initial: weights)
        weights = predictor.parameters
        let tmp = path + ".tmp"
        try predictor.write(to: tmp)
        guard rename(tmp, path) == 0 else { throw SearchError.directory(path, "cannot write the predictor: \(String(cString: strerror(errno)))") }
        return predictor
    }
}
