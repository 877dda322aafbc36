import Foundation
import Compute
import Model
import SearchSpaces

// The training loop: batches → forward → loss → backward → AdamW, with a validation loss, atomic
// checkpoints, bit-exact resume on the same device, and a hard stop on a NaN/Inf loss that keeps the
// last good checkpoint.

public struct TrainProgress: Sendable {
    public var step: Int, totalSteps: Int
    public var loss: Loss
    public var validationLoss: Double?
    public var graphsPerSecond: Double
    public var elapsed: Double
}

public final class Trainer {
    public let model: GraphTransformer
    public let parameters: Parameters
    public private(set) var record: CheckpointRecord
    let device: Device
    let data: TrainingSet
    let batches: BatchBuilder
    let prefetch: BatchPrefetch
    let validation: [Int]
    let workspace: Workspace
    let m: Buffer, v: Buffer, vMax: Buffer

    /// A new run, or a resumed one when `resume` is given (its options and weights win).
    public init(device: Device, space: any SearchSpace, data: TrainingSet, conditions: [ConditionSpec],
                options: TrainingOptions, resume: Checkpoint? = nil) throws {
        self.device = device
        self.data = data
        let record = try resume?.record ?? Self.newRecord(space: space, data: data, conditions: conditions, options: options)
        self.record = record
        let opts = record.training
        try opts.validate()
        model = try GraphTransformer(record.model)

        // A fixed, seeded validation split; the rest trains.
        var rng = SplitMix64(opts.seed &+ 77)
        var all = Array(0..<data.count)
        all.shuffle(using: &rng)
        let nVal = min(max(1, Int(Double(data.count) * opts.validationFraction)), max(0, data.count - opts.batch))
        validation = Array(all.prefix(nVal))
        let train = Array(all.dropFirst(nVal)).sorted()
        guard train.count >= opts.batch else {
            throw DiffusionError.badOption("--batch \(opts.batch)", "larger than the \(train.count) training graphs")
        }
        batches = BatchBuilder(data: data, order: train, options: opts, conditions: record.conditions, schedule: record.schedule,
                               nodeNoise: MarginalTransitions(marginal: record.nodeMarginal),
                               edgeNoise: MarginalTransitions(marginal: record.edgeMarginal), model: record.model)
        prefetch = BatchPrefetch(batches)
        workspace = try model.makeWorkspace(device: device, capacity: opts.batch, training: true)
        if let resume {
            parameters = try model.parameters(on: device, values: resume.parameters)
        } else {
            parameters = try model.initialParameters(on: device, seed: opts.seed)
        }
        m = try device.makeBuffer(count: model.layout.totalCount)
        v = try device.makeBuffer(count: model.layout.totalCount)
        vMax = try device.makeBuffer(count: model.layout.totalCount)
        if let resume, resume.moments.count == 3 {
            try device.upload(resume.moments[0], to: m.all)
            try device.upload(resume.moments[1], to: v.all)
            try device.upload(resume.moments[2], to: vMax.all)
        }
    }

    /// The record of a new run: the preset's model for this space and conditions, the schedule,
    /// the training set's marginals.
    public static func newRecord(space: any SearchSpace, data: TrainingSet, conditions: [ConditionSpec],
                                 options: TrainingOptions) throws -> CheckpointRecord {
        try options.validate()
        try ConditionSpec.requireDistinct(conditions)
        let conditionWidth = conditions.reduce(0) { $0 + $1.width } + (options.timestep ? 1 : 0)
        guard let config = ModelConfig.preset(options.preset, nodeClasses: space.nodeClasses.count,
                                              conditionWidth: max(conditionWidth, 1), maxNodes: space.maxNodes,
                                              timestep: options.timestep) else {
            throw DiffusionError.badOption("--preset \(options.preset)", "known presets: \(ModelConfig.presetNames.joined(separator: ", "))")
        }
        if options.fixedEdges && !space.fixedTopology {
            throw DiffusionError.badOption("--fixed-edges", "the \(space.name) space has no fixed topology")
        }
        return CheckpointRecord(space: space.name, model: config, schedule: NoiseSchedule(steps: options.diffusionSteps),
                                nodeMarginal: data.nodeMarginal, edgeMarginal: data.edgeMarginal,
                                nodeCountHistogram: data.nodeCountHistogram, conditions: conditions,
                                fixedEdges: options.fixedEdges, training: options, step: 0, epoch: 0,
                                trainingRows: data.rows,
                                fixedPairs: options.fixedEdges ? data.graphs[0].pairs.map(Int.init) : nil)
    }

    /// A checkpoint with freshly initialised weights and no optimizer state (for benchmarks).
    public static func freshCheckpoint(space: any SearchSpace, data: TrainingSet, conditions: [ConditionSpec],
                                       options: TrainingOptions) throws -> (Checkpoint, GraphTransformer) {
        let record = try newRecord(space: space, data: data, conditions: conditions, options: options)
        let model = try GraphTransformer(record.model)
        let device = Device()
        let p = try model.initialParameters(on: device, seed: options.seed)
        return (Checkpoint(record: record, parameters: try device.download(p.values.all), moments: []), model)
    }

    /// One optimizer step on global step `record.step`; returns the batch loss.
    @discardableResult
    public func step() throws -> Loss {
        let opts = record.training, s = record.step
        let h = prefetch.batch(step: s)
        try workspace.upload(h, device: device)
        try model.forward(parameters, workspace, graphs: opts.batch)
        let loss = try model.lossAndBackward(parameters, workspace, graphs: opts.batch, nodeCount: h.nodeCount, pairCount: h.pairCount,
                                             edgeWeight: opts.fixedEdges ? 0 : opts.edgeWeight)
        guard loss.total.isFinite else { throw DiffusionError.nonFiniteLoss(step: s, lastCheckpoint: nil) }
        try device.adamW(params: parameters.values.all, grads: parameters.grads.all, m: m.all, v: v.all,
                         vMax: opts.amsgrad ? vMax.all : nil, lr: opts.learningRate, beta1: opts.beta1, beta2: opts.beta2,
                         eps: opts.epsilon, weightDecay: opts.weightDecay, step: s + 1)
        record.step = s + 1
        record.epoch = (s + 1) / batches.stepsPerEpoch
        return loss
    }

    /// Mean loss on the validation split at a fixed spread of timesteps (no condition dropout).
    public func validationLoss() throws -> Double {
        let opts = record.training, b = opts.batch
        var total = 0.0, batchesRun = 0
        var i = 0
        while i < validation.count {
            var members = Array(validation[i..<min(i + b, validation.count)])
            let real = members.count
            while members.count < b { members.append(members[members.count % real]) }   // pad to the workspace size
            let ts = (0..<b).map { 1 + ($0 * 37 + i) % record.schedule.steps }
            let h = batches.build(graphs: members, step: -1 - i, dropConditions: false, fixedT: ts)
            try workspace.upload(h, device: device)
            try model.forward(parameters, workspace, graphs: b)
            let l = try model.loss(parameters, workspace, graphs: b, nodeCount: h.nodeCount, pairCount: h.pairCount,
                                   edgeWeight: opts.fixedEdges ? 0 : opts.edgeWeight)
            total += l.total
            batchesRun += 1
            i += b
        }
        return total / Double(max(batchesRun, 1))
    }

    public func checkpoint() throws -> Checkpoint {
        Checkpoint(record: record, parameters: try device.download(parameters.values.all),
                   moments: [try device.download(m.all), try device.download(v.all), try device.download(vMax.all)])
    }

    /// Trains until `record.training.steps`, checkpointing to `checkpointPath` and appending to the
    /// CSV log. `progress` is called after every step. When `stopRequested` (asked after every step)
    /// says so, writes a checkpoint of the step just finished and returns false, so that an
    /// interrupted run loses nothing and a resumed one continues bit-exactly; true when all steps ran.
    @discardableResult
    public func run(checkpointPath: String, logPath: String?, stopRequested: () -> Bool = { false },
                    progress: (TrainProgress) -> Void) throws -> Bool {
        let opts = record.training
        let log = try logPath.map { try CSVLog(path: $0, header: "step,epoch,loss,loss_nodes,loss_edges,val_loss,graphs_per_s") }
        var lastCheckpoint: String? = FileManager.default.fileExists(atPath: checkpointPath) ? checkpointPath : nil
        let start = Date()
        var window = (Date(), record.step)
        let firstStep = record.step
        var windowClosed = false
        var rate = 0.0
        while record.step < opts.steps {
            let loss: Loss
            do { loss = try step() } catch DiffusionError.nonFiniteLoss(let s, _) {
                throw DiffusionError.nonFiniteLoss(step: s, lastCheckpoint: lastCheckpoint)
            }
            let s = record.step
            var val: Double?
            if s % opts.validateEvery == 0 || s == opts.steps { val = try validationLoss() }
            let now = Date()
            if now.timeIntervalSince(window.0) > 1 || s == opts.steps {
                rate = Double((s - window.1) * opts.batch) / now.timeIntervalSince(window.0)
                window = (now, s)
                windowClosed = true
            } else if !windowClosed {
                // Before the first one-second window closes: the rate since the start, not 0.
                rate = Double((s - firstStep) * opts.batch) / max(now.timeIntervalSince(start), 1e-6)
            }
            log?.append("\(s),\(record.epoch),\(loss.total),\(loss.nodes),\(loss.edges),\(val.map { "\($0)" } ?? ""),\(String(format: "%.1f", rate))")
            progress(TrainProgress(step: s, totalSteps: opts.steps, loss: loss, validationLoss: val, graphsPerSecond: rate,
                                   elapsed: now.timeIntervalSince(start)))
            let stopping = s < opts.steps && stopRequested()
            if s % opts.checkpointEvery == 0 || s == opts.steps || stopping {
                try checkpoint().write(to: checkpointPath, model: model)
                lastCheckpoint = checkpointPath
            }
            if stopping { return false }
        }
        return true
    }
}

/// Appends lines to a CSV file, writing the header only when the file is new.
public final class CSVLog {
    let handle: FileHandle
    init(path: String, header: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            try (header + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw DiffusionError.badOption("--log \(path)", "cannot open for writing") }
        h.seekToEndOfFile()
        handle = h
    }
    func append(_ line: String) { handle.write(Data((line + "\n").utf8)) }
    deinit { try? handle.close() }

    /// Cuts a step log (first column: the step) to its header and the rows of steps ≤ `step`; 0 removes
    /// every row. Nothing to do when the file does not exist.
    public static func keepRows(upToStep step: Int, path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first else { return }
        lines = [header] + lines.dropFirst().filter { row in (Int(row.prefix { $0 != "," }) ?? .max) <= step }
        do { try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw DiffusionError.badOption("--log \(path)", "cannot rewrite it: \(error.localizedDescription)")
        }
    }
}
