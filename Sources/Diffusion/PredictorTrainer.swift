import Foundation
import Compute
import Model
import SearchSpaces

// Trains a noise-aware predictor on labelled architectures: targets standardised, a seeded fifth
// held out for early stopping, every batch noised by the diffusion checkpoint's own forward process at
// t ~ U{0..T} (the levels the sampler will show it), mean squared error, AdamW.

public struct PredictorTrainingOptions: Codable, Sendable, Equatable {
    public var steps = 1500
    public var batch = 64
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-4
    public var seed: UInt64 = 0
    /// Held-out loss is measured every this many steps; training stops after `patience` checks
    /// without a better one, and the best weights are kept.
    public var evaluateEvery = 50
    public var patience = 10
    /// The network: the graph transformer's blocks at these widths, and the head's hidden width.
    public var layers = 2
    public var width = 32
    public var headHidden = 64
    public init() {}

    public func validate() throws {
        for (flag, v) in [("--steps", steps), ("--batch", batch), ("--layers", layers), ("--width", width)] where v < 1 {
            throw DiffusionError.badOption("\(flag) \(v)", "must be at least 1")
        }
        guard steps <= 1_000_000 else { throw DiffusionError.badOption("--steps \(steps)", "must be at most 1,000,000") }
        guard batch <= 4096 else { throw DiffusionError.badOption("--batch \(batch)", "must be at most 4096") }
        guard layers <= 16, width <= 1024, width % 8 == 0 else {
            throw DiffusionError.badOption("--layers \(layers) --width \(width)", "layers ≤ 16, width ≤ 1024 and a multiple of 8")
        }
        guard learningRate.isFinite, learningRate > 0 else { throw DiffusionError.badOption("--lr \(learningRate)", "must be a finite number > 0") }
    }

    /// The network for `nodeClasses` classes and graphs of `maxNodes` nodes; y is t/T alone.
    public func modelConfig(nodeClasses: Int, maxNodes: Int) -> ModelConfig {
        let w = width, e = max(8, w / 4)
        var c = ModelConfig.tiny(nodeClasses: nodeClasses, conditionWidth: 1, maxNodes: maxNodes, timestep: true)
        c.layers = layers; c.dx = w; c.de = e; c.dy = w; c.heads = 4
        c.ffX = 2 * w; c.ffE = 2 * e; c.ffY = 2 * w
        c.hiddenInX = w; c.hiddenInE = e; c.hiddenInY = w; c.hiddenOutX = w; c.hiddenOutE = e
        c.regressionHidden = headHidden
        return c
    }
}

/// One labelled architecture: its graph and the metric's value.
public struct LabelledGraph: Sendable {
    public var graph: GraphTensors
    public var value: Double
    public init(graph: GraphTensors, value: Double) { self.graph = graph; self.value = value }
}

public struct PredictorProgress: Sendable {
    public var step: Int, totalSteps: Int
    public var trainLoss: Double
    public var heldOutLoss: Double?
    public var bestHeldOutLoss: Double
}

public final class PredictorTrainer {
    public let net: GraphTransformer
    let device: Device
    let diffusion: CheckpointRecord
    let options: PredictorTrainingOptions
    let train: [LabelledGraph], heldOut: [LabelledGraph]
    let mean: Double, std: Double
    let base: PredictorRecord
    let noiser: GraphNoiser

    /// With `holdOut`, at least 10 labels: a fifth (≥ 2) is held out to stop training. Without it (a
    /// search's refit, where the next round's candidates are the test), every label trains for exactly
    /// `options.steps` steps and at least 2 are needed. `support` is where the guided rows may go.
    public init(device: Device, diffusion: CheckpointRecord, metric: String, direction: MetricDirection,
                labels: [LabelledGraph], support: RowClassSupport, options: PredictorTrainingOptions,
                holdOut: Bool = true) throws {
        try options.validate()
        if !holdOut, labels.count < 2 {
            throw DiffusionError.badOption("labels", "\(labels.count) usable labelled architectures; a predictor needs at least 2")
        }
        guard labels.count >= 10 || !holdOut else {
            throw DiffusionError.badOption("labels", "\(labels.count) usable labelled architectures; a predictor needs at least 10 (a fifth is held out to stop training)")
        }
        guard labels.allSatisfy({ $0.value.isFinite && $0.graph.n == diffusion.model.maxNodes }) else {
            throw DiffusionError.badOption("labels", "every label must be a finite number on a graph of the checkpoint's space")
        }
        self.device = device
        self.diffusion = diffusion
        self.options = options
        var rng = SplitMix64(options.seed &+ 0x9EED)
        let shuffled = labels.shuffled(using: &rng)
        let holdCount = holdOut ? max(2, labels.count / 5) : 0
        heldOut = Array(shuffled.prefix(holdCount))
        train = Array(shuffled.dropFirst(holdCount))
        // Standardise with the training labels only.
        let values = train.map(\.value)
        let mu = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(max(values.count - 1, 1))
        mean = mu
        std = variance > 0 ? variance.squareRoot() : 1
        net = try GraphTransformer(options.modelConfig(nodeClasses: diffusion.model.nodeClasses, maxNodes: diffusion.model.maxNodes))
        noiser = GraphNoiser(record: diffusion)
        base = PredictorRecord(space: diffusion.space, metric: metric, direction: direction, mean: mean, std: std, labels: labels.count,
                               noise: NoiseFingerprint.of(diffusion), diffusionSteps: diffusion.schedule.steps, model: net.config,
                               support: support, training: options, heldOut: [])
    }

    /// The noise levels the held-out loss and the rank report are measured at.
    var reportSteps: [Int] { let T = diffusion.schedule.steps; return [0, T / 4, T / 2, 3 * T / 4] }

    /// Trains, keeps the weights of the best held-out loss (the last ones without a hold-out), and
    /// returns the predictor with its held-out rank quality. `initial` continues from earlier weights
    /// (a search's previous round). `stopRequested` ends training early (the best weights so far are kept).
    public func run(initial: [Float]? = nil, progress: (PredictorProgress) -> Void = { _ in },
                    stopRequested: () -> Bool = { false }) throws -> Predictor {
        let d = device, b = options.batch, T = diffusion.schedule.steps
        let p = try initial.map { try net.parameters(on: d, values: $0) } ?? net.initialParameters(on: d, seed: options.seed)
        let w = try net.makeWorkspace(device: d, capacity: b, training: true)
        let m = try d.makeBuffer(count: net.layout.totalCount), v = try d.makeBuffer(count: net.layout.totalCount)
        var best = (loss: Double.infinity, values: try d.download(p.values.all))
        var sinceBest = 0
        var rng = SplitMix64(options.seed &+ 0x7A11)
        for step in 1...options.steps {
            if stopRequested() { break }
            let members = (0..<b).map { _ in train[Int.random(in: 0..<train.count, using: &rng)] }
            let ts = (0..<b).map { _ in Int.random(in: 0...T, using: &rng) }
            let h = noiser.batch(members.map(\.graph), t: ts, seed: rng.next(), diffusionSteps: T)
            try w.upload(h, device: d)
            try net.forward(p, w, graphs: b)
            let predicted = try d.download(w.prediction.rows(b))
            var seedGrad = [Float](repeating: 0, count: b)
            var loss = 0.0
            for i in 0..<b {
                let r = Double(predicted[i]) - (members[i].value - mean) / std
                loss += r * r / Double(b)
                seedGrad[i] = Float(2 * r / Double(b))
            }
            guard loss.isFinite else { throw DiffusionError.nonFiniteLoss(step: step, lastCheckpoint: nil) }
            try net.zeroGradients(p, w)
            try d.upload(seedGrad, to: w.dPrediction!.rows(b))
            try net.backward(p, w, graphs: b)
            try d.adamW(params: p.values.all, grads: p.grads.all, m: m.all, v: v.all, vMax: nil, lr: options.learningRate,
                        beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: options.weightDecay, step: step)
            var held: Double?
            if !heldOut.isEmpty && (step % options.evaluateEvery == 0 || step == options.steps) {
                let values = try d.download(p.values.all)
                let l = try heldOutLoss(values)
                held = l
                if l < best.loss { best = (l, values); sinceBest = 0 } else { sinceBest += 1 }
            }
            progress(PredictorProgress(step: step, totalSteps: options.steps, trainLoss: loss, heldOutLoss: held, bestHeldOutLoss: best.loss))
            if sinceBest >= options.patience { break }
        }
        var record = base
        if heldOut.isEmpty { return Predictor(record: record, parameters: try d.download(p.values.all)) }
        let predictor = Predictor(record: record, parameters: best.values)
        let actual = heldOut.map(\.value)
        let predicted = try predictor.predict(heldOut.map(\.graph), steps: reportSteps, noise: diffusion, device: d, seed: options.seed &+ 0x4E1D)
        record.heldOut = zip(reportSteps, predicted).map { RankQuality(t: $0, predicted: $1, actual: actual) }
        return Predictor(record: record, parameters: best.values)
    }

    /// Mean squared error (standardised units) on the held-out labels, each at every report step,
    /// with the same noise every time.
    func heldOutLoss(_ values: [Float]) throws -> Double {
        let predictor = Predictor(record: base, parameters: values)
        var total = 0.0, count = 0
        for predicted in try predictor.predict(heldOut.map(\.graph), steps: reportSteps, noise: diffusion, device: device,
                                               seed: options.seed &+ 0x4E1D) {
            for (y, l) in zip(predicted, heldOut) {
                let r = (y - l.value) / std
                total += r * r
                count += 1
            }
        }
        return total / Double(max(count, 1))
    }
}
