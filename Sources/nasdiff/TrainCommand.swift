import ArgumentParser
import Compute
import Diffusion
import Foundation
import Model
import SearchSpaces

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a conditional graph diffusion model on a search space's benchmark table.",
        discussion: """
        Conditions turn a metric column into classes: METRIC:top5%, METRIC:<=5, METRIC:<=p25, METRIC:>=90, METRIC:bins5.
        `nasdiff spaces` lists the metrics. Example:
          nasdiff train --space nb201 --condition cifar10-valid:top5% --condition lat-pixel3:<=p25 --out runs/nb201.safetensors
        """)

    @Option(help: "Search space (see `nasdiff spaces`).") var space = "nb201"
    @Option(name: .customLong("condition"), help: "A condition METRIC:RULE; repeat for several.") var conditions: [String] = []
    @Option(help: "Model preset: \(ModelConfig.presetNames.joined(separator: ", ")).") var preset = "small"
    @Option(help: "Optimizer steps (default \(TrainingOptions().steps); with --resume, the checkpoint's own target).") var steps: Int?
    @Option(help: "Graphs per step.") var batch = 64
    @Option(help: "AdamW learning rate.") var lr: Float = 1e-3
    @Option(help: "Diffusion steps T.") var diffusionSteps = 500
    @Option(help: "Edge-loss weight λ.") var edgeWeight: Float = 5
    @Option(help: "Probability of dropping each condition to null during training.") var nullProbability = 0.1
    @Option(help: "Seed for initialisation, batches and noise.") var seed: UInt64 = 0
    @Flag(inversion: .prefixedNo, help: "Keep the edges fixed and diffuse only node ops (default: on for spaces with a fixed topology, nb201 and transnas-micro).") var fixedEdges: Bool?
    @Flag(help: "Do not feed t/T to the network (DiNAS behaviour, B4).") var noTimestep = false
    @Flag(help: "Plain Adam moments instead of AMSGrad.") var noAmsgrad = false
    @Option(help: "Leave the best P% of the table by METRIC out of training, as METRIC:P% (held-out test).") var holdoutTop: String?
    @Option(help: "Checkpoint file (safetensors).") var out = "runs/model.safetensors"
    @Option(help: "CSV log of the losses (default: next to the checkpoint).") var log: String?
    @Option(help: "Steps between checkpoints.") var checkpointEvery = 500
    @Option(help: "Steps between validation losses.") var validateEvery = 250
    @Flag(help: "Continue from --out with its own options (same device gives bit-identical results); --steps sets a new target.") var resume = false
    @Flag(help: "Replace a checkpoint already at --out (and start its CSV log afresh).") var overwrite = false
    @OptionGroup var dataOption: DataOption
    @OptionGroup var deviceOption: DeviceOption

    func validate() throws {
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1 (got \(steps))") }
    }

    func run() throws {
        let logPath = log ?? (out as NSString).deletingPathExtension + ".csv"
        try requireWritable(out, flag: "--out")
        let start = try TrainingStart.decide(path: out, resume: resume, overwrite: overwrite, steps: steps)
        try requireWritable(logPath, flag: log == nil ? "--out (its log)" : "--log")
        let device = try deviceOption.make()
        var resumeFrom: Checkpoint?
        switch start {
        case .fresh: break
        case .finished(let done):
            stderr("\(out) has already trained all \(done) of its steps: nothing to do (give --steps N above \(done) to train on)")
            return
        case .resume(let ckpt):
            stderr("resuming at step \(ckpt.record.step) of \(ckpt.record.training.steps) with the checkpoint's options; options given now other than --steps are not used")
            resumeFrom = ckpt
        }
        let spaceName = resumeFrom?.record.space ?? space
        let (searchSpace, table) = try dataOption.loadSpace(spaceName)
        let conds = try resumeFrom?.record.conditions ?? conditions.map { try ConditionSpec(parsing: $0, table: table) }
        var exclude = Set<Int>()
        if let holdout = holdoutTop {
            exclude = try table.bestRows(parsing: holdout, flag: "--holdout-top")
            stderr("held out \(exclude.count) rows: the top \(holdout) of the table")
        }
        if let r = resumeFrom { exclude = Set(0..<table.rowCount).subtracting(r.record.trainingRows) }
        let data = try TrainingSet(space: searchSpace, table: table, conditions: conds, exclude: exclude)

        var options = TrainingOptions()
        options.preset = preset; options.batch = batch; options.learningRate = lr
        options.diffusionSteps = diffusionSteps; options.edgeWeight = edgeWeight; options.nullProbability = nullProbability
        options.seed = seed; options.fixedEdges = fixedEdges ?? searchSpace.fixedTopology; options.timestep = !noTimestep; options.amsgrad = !noAmsgrad
        options.checkpointEvery = checkpointEvery; options.validateEvery = validateEvery
        if let steps { options.steps = steps }
        let trainer = try Trainer(device: device, space: searchSpace, data: data, conditions: conds, options: options, resume: resumeFrom)
        // A new run starts its log afresh; a resumed one keeps the rows up to its checkpoint's step
        // (rows logged after it, before a kill, are trained again and would be duplicates).
        try CSVLog.keepRows(upToStep: resumeFrom?.record.step ?? 0, path: logPath)
        stderr("training \(trainer.record.model.layers)-layer \(trainer.record.training.preset) model (\(trainer.model.layout.parameterCount) parameters) on \(data.count) \(spaceName) graphs, device: \(device.name)")
        stderr("conditions: \(conds.isEmpty ? "none" : conds.map(\.text).joined(separator: ", ")); checkpoint: \(out); log: \(logPath)")
        let status = StatusLine()
        var lastVal: Double?
        let stop = StopRequest(notice: "stopping after this step: saving the checkpoint to \(out) (again to quit without saving)")
        let finished = try trainer.run(checkpointPath: out, logPath: logPath, stopRequested: { stop.isRequested }) { p in
            if let v = p.validationLoss { lastVal = v }
            let eta = p.step > 0 ? p.elapsed / Double(p.step - (resumeFrom?.record.step ?? 0)) * Double(p.totalSteps - p.step) : 0
            let line = "\(status.bar(p.step, p.totalSteps)) step \(p.step)/\(p.totalSteps) loss \(String(format: "%.4f", p.loss.total))"
                + (lastVal.map { String(format: " val %.4f", $0) } ?? "")
                + String(format: " %.0f graphs/s, eta %.0fs", p.graphsPerSecond, eta.isFinite ? eta : 0)
            if status.isTTY { status.show(line) } else if p.step % max(1, p.totalSteps / 20) == 0 || p.step == p.totalSteps { stderr(line) }
        }
        guard finished else {
            status.show("stopped at step \(trainer.record.step)/\(trainer.record.training.steps), checkpoint \(out); "
                        + "continue with: nasdiff train --out \(out) --resume", final: true)
            throw ExitCode(130)   // interrupted, though nothing was lost: scripts should not read it as done
        }
        status.show("done: \(trainer.record.step) steps, checkpoint \(out)", final: true)
    }
}
