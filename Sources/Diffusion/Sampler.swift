import Foundation
import Compute
import Model

// Ancestral sampling over T steps (dinas-spec §5), or strided over S < T steps with the exact
// marginal transition between the visited steps. Everything per step stays on the device: one
// batched forward for the null and conditional passes, then guidance in logit space, softmax, the
// posterior and the categorical draw in one kernel each for nodes and pairs (Device.reverseStep).
// The per-step matrices are uploaded and the y inputs embedded once, before the loop; the host only
// reads the final classes.

public struct SamplingOptions: Sendable {
    public var batch = 192
    /// Denoising steps; T (the trained number) is ancestral sampling, fewer is strided.
    public var steps: Int? = nil
    public var guidance: Guidance = .joint(weight: 2)
    public var targets: [ConditionTarget] = []
    public var seed: UInt64 = 0
    /// After guidance, classes whose unconditional probability is below this are dropped (0 = keep
    /// all, DiNAS's behaviour). Guidance weighs a class by p_c^{1+w}/p_∅^w, which for a class both
    /// passes rule out (an input op in the middle of a cell) is a ratio of two tiny numbers: noise
    /// that guidance amplifies into invalid graphs.
    public var supportThreshold: Float = 1e-4
    /// Predictor guidance (PredictorGuidance.swift): each predictor with its weight λ.
    public var predictors: [PredictorGuide] = []
    /// Bound on the predictors' log-weight of one class in one step.
    public var predictorLimit: Float = 30
    /// First-order by default: on NB201 it matched exact guidance's share of good samples with more
    /// distinct cells at a quarter of the cost (Benchmarks/RESULTS.md, the λ sweep).
    public var predictorMode: PredictorGuidanceMode = .firstOrder
    public init() {}

    /// Throws for settings a run cannot honour, naming the command-line flag: `trainedSteps` is the
    /// checkpoint's T. A NaN guidance weight or threshold would otherwise give graphs of noise.
    public func validate(trainedSteps: Int) throws {
        guard batch > 0 else { throw DiffusionError.badOption("--batch \(batch)", "must be at least 1") }
        if let steps, !(1...max(trainedSteps, 1)).contains(steps) {
            throw DiffusionError.badOption("--steps \(steps)", "must be in 1...\(trainedSteps) (the trained T)")
        }
        guard supportThreshold.isFinite, supportThreshold >= 0, supportThreshold < 1 else {
            throw DiffusionError.badOption("--support-threshold \(supportThreshold)", "must be in [0, 1)")
        }
        var weights = targets.map(\.weight)
        if case let .joint(w) = guidance { weights.append(w) }
        if let w = weights.first(where: { !$0.isFinite }) { throw DiffusionError.badOption("--weight \(w)", "must be a finite number") }
        if let w = predictors.map(\.weight).first(where: { !$0.isFinite }) {
            throw DiffusionError.badOption("--predictor-weight \(w)", "must be a finite number")
        }
        guard predictorLimit.isFinite, predictorLimit > 0 else {
            throw DiffusionError.badOption("--predictor-limit \(predictorLimit)", "must be a finite number > 0")
        }
    }
}

public struct SampledGraph: Sendable {
    public let nodes: [Int]
    public let pairs: [Int]
    public let nodeCount: Int
}

public final class Sampler: @unchecked Sendable {   // one thread at a time; ShardedSampler gives each its own
    public let model: GraphTransformer
    public let record: CheckpointRecord
    let device: Device
    let parameters: Parameters

    public init(device: Device, checkpoint: Checkpoint, model: GraphTransformer) throws {
        self.device = device
        self.model = model
        record = checkpoint.record
        parameters = try model.parameters(on: device, values: checkpoint.parameters)
        try model.prepareForSampling(parameters)
    }

    /// The visited timesteps, from T down to 0.
    public static func timesteps(total T: Int, steps S: Int) -> [Int] {
        let s = max(1, min(S, T))
        var ts = (0...s).map { Int((Double(T) * Double(s - $0) / Double(s)).rounded()) }
        ts[0] = T; ts[s] = 0
        return ts
    }

    /// Samples one batch of `options.batch` graphs. `progress(done, total)` after every few steps.
    /// Throws DiffusionError.stopped as soon as `stopRequested` (asked before every step) says so.
    public func sampleBatch(_ options: SamplingOptions, batchIndex: Int = 0, progress: ((Int, Int) -> Void)? = nil,
                            stopRequested: () -> Bool = { false }) throws -> [SampledGraph] {
        let c = model.config, d = device, n = c.maxNodes, b = options.batch, dX = c.nodeClasses
        try options.validate(trainedSteps: record.schedule.steps)
        let plan = SamplingPlan(record: record, options: options, batchIndex: batchIndex)
        let passes = plan.passes, times = plan.times, stepCount = plan.stepCount, seed = plan.seed, counts = plan.nodeCounts
        let w = try model.makeWorkspace(device: d, capacity: passes * b, training: false)
        try d.upload(plan.nodeMask, to: w.nodeMask.prefix(plan.nodeMask.count))
        // The y rows embedded and the matrices uploaded once, before the loop.
        let embedded = try model.embedConditions(parameters, y: d.makeBuffer(plan.yRows).all, rows: stepCount * passes)
        let matAll = try d.makeBuffer(plan.matrices)
        let matStride = plan.matrixStride
        let mix = try d.makeBuffer(plan.mix)
        let threshold = plan.supportThreshold

        // State: class indices of nodes and pairs. Pair rows below the diagonal read the draw of the row
        // above it, so pairs alternate between two buffers.
        let rn = b * n, re = b * n * n
        let classesX = try d.makeBuffer(count: rn)
        var classesE = try d.makeBuffer(count: re)
        var nextE = record.fixedEdges ? classesE : try d.makeBuffer(count: re)

        // z_T from the marginals; fixed edges from the checkpoint.
        let marginals = try d.makeBuffer(count: max(rn * dX, re * 2))
        try d.upload((0..<rn).flatMap { _ in record.nodeMarginal.map(Float.init) }, to: marginals.view(0, rn * dX))
        try d.sampleCategorical(out: classesX.all, probs: marginals.view(0, rn * dX), rows: rn, classes: dX, seed: seed, stream: 0xFFFF_0000)
        if let fixed = record.fixedPairs, record.fixedEdges {
            try d.upload((0..<b).flatMap { _ in fixed.map { Float(max($0, 0)) } }, to: classesE.all)
        } else {
            try d.upload((0..<re).flatMap { _ in record.edgeMarginal.map(Float.init) }, to: marginals.view(0, re * 2))
            try d.sampleCategorical(out: classesE.all, probs: marginals.view(0, re * 2), rows: re, classes: 2, seed: seed, stream: 0xFFFF_0001)
            try d.mirrorPairClasses(classesE.all, graphs: b, n: n)
        }

        let guidance = options.predictors.isEmpty ? nil
            : try PredictorGuidance(device: d, guides: options.predictors, mode: options.predictorMode,
                                    graphs: b, nodeCounts: counts,
                                    checkpoint: record, classesE: classesE.all, limit: options.predictorLimit)

        for k in 0..<stepCount {
            if stopRequested() { throw DiffusionError.stopped }
            // Inputs for every pass: the same noisy graph, different y.
            try d.oneHot(out: w.x0.rows(passes * rn), classes: classesX.all, rows: rn, classCount: dX, copies: passes)
            try d.oneHot(out: w.e0.rows(passes * re), classes: classesE.all, rows: re, classCount: 2, copies: passes)
            try model.forward(parameters, w, graphs: passes * b, conditions: embedded.rows(k * passes, passes))

            let terms = try guidance?.terms(classesX: classesX.all, classesE: classesE.all, t: times[k], steps: record.schedule.steps,
                                            fixedEdges: record.fixedEdges)

            let m = matAll.view(k * matStride, matStride)
            try d.reverseStep(out: classesX.all, logits: w.xLogits.rows(passes * rn), passes: passes, mix: mix.all,
                              supportThreshold: threshold, zt: classesX.all, transitions: m.prefix(3 * dX * dX),
                              rows: rn, classes: dX, seed: seed, stream: UInt64(2 * k), predictorGuidance: terms?.nodes)
            if !record.fixedEdges {
                try d.reverseStep(out: nextE.all, logits: w.eLogits.rows(passes * re), passes: passes, mix: mix.all,
                                  supportThreshold: threshold, zt: classesE.all, transitions: m.sub(3 * dX * dX, 12),
                                  rows: re, classes: 2, pairNodes: n, seed: seed, stream: UInt64(2 * k + 1),
                                  predictorGuidance: terms?.pairs)
                swap(&classesE, &nextE)
            }
            if let progress, k % 25 == 24 || k == stepCount - 1 {
                try d.synchronize()
                progress(k + 1, stepCount)
            }
        }
        let xs = try d.download(classesX.all), es = try d.download(classesE.all)
        return (0..<b).map { g in
            SampledGraph(nodes: (0..<n).map { Int(xs[g * n + $0]) }, pairs: (0..<(n * n)).map { Int(es[g * n * n + $0]) },
                         nodeCount: counts[g])
        }
    }
}
