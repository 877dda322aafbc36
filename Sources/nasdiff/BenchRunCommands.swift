import ArgumentParser
import Compute
import Diffusion
import Foundation
import Model
import SearchSpaces

// `nasdiff bench sample` and `nasdiff bench train`: whole sampling runs and training steps of a preset
// with random weights (speed does not depend on the weights), with warm-up, repetitions, median and
// spread, the workload's FLOP count and the achieved TFLOP/s. Host work is included.

struct BenchWorkload: ParsableArguments {
    @Option(help: "Model preset: \(ModelConfig.presetNames.joined(separator: ", ")).") var preset = "dinas"
    @Option(help: "Search space (sets node count and classes).") var space = "nb201"
    @Option(help: "Timed repetitions after one warm-up.") var repetitions = 3
    @OptionGroup var dataOption: DataOption
    @OptionGroup var deviceOption: DeviceOption

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1 (got \(repetitions))") }
    }

    /// A trainer-made record for `preset` on `space` with two conditions, and random weights.
    func checkpoint(batch: Int, diffusionSteps: Int, fixedEdges: Bool = false) throws -> (Checkpoint, GraphTransformer, any SearchSpace, BenchmarkTable, TrainingSet, [ConditionSpec]) {
        let (s, table) = try dataOption.loadSpace(space)
        let metrics = table.metrics.map(\.name)
        let conditions = try metrics.prefix(2).map { try ConditionSpec(parsing: "\($0):top5%", table: table) }
        let data = try TrainingSet(space: s, table: table, conditions: conditions)
        var o = TrainingOptions()
        o.preset = preset; o.batch = batch; o.diffusionSteps = diffusionSteps; o.steps = 1; o.fixedEdges = fixedEdges
        let (ckpt, model) = try Trainer.freshCheckpoint(space: s, data: data, conditions: conditions, options: o)
        return (ckpt, model, s, table, data, conditions)
    }
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }

struct BenchSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Time whole guided sampling runs: ms per architecture, FLOP count, TFLOP/s.")

    @OptionGroup var workload: BenchWorkload
    @Option(help: "Graphs per batch.") var batch = 192
    @Option(help: "Diffusion steps T of the model.") var diffusionSteps = 500
    @Option(help: "Denoising steps per run (default T).") var steps: Int?
    @Option(help: "joint (2 passes per step) or none (1 pass).") var guidance = "joint"
    @Option(help: "Add predictor guidance with a predictor of the default size (random weights): exact or first-order.") var predictor: String?
    @Flag(help: "Keep the space's edges fixed (nb201, transnas-micro), as exact predictor guidance needs.") var fixedEdges = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1 (got \(batch))") }
        guard guidance == "joint" || guidance == "none" else { throw ValidationError("--guidance \(guidance): joint or none") }
        if let predictor, PredictorGuidanceMode(rawValue: predictor) == nil { throw ValidationError("--predictor \(predictor): exact or first-order") }
    }

    func run() throws {
        let (ckpt, model, _, _, data, conditions) = try workload.checkpoint(batch: 8, diffusionSteps: diffusionSteps, fixedEdges: fixedEdges)
        let devices = try workload.deviceOption.makeAll()
        let sampler = try ShardedSampler(devices: devices, checkpoint: ckpt, model: model)
        // With several devices the batch is split between them and the shards run side by side.
        let shard = (batch + devices.count - 1) / devices.count
        var o = SamplingOptions()
        o.batch = shard; o.steps = steps
        if guidance == "joint" {
            o.guidance = .joint(weight: 2)
            o.targets = try conditions.map { try ConditionTarget(parsing: $0.metric, conditions: conditions, weight: 2) }
        }
        if let mode = predictor.flatMap(PredictorGuidanceMode.init(rawValue:)) {
            o.predictors = [PredictorGuide(predictor: try Predictor.untrained(for: ckpt.record, support: RowClassSupport(graphs: data.graphs)), weight: 1)]
            o.predictorMode = mode
        }
        try o.validate(trainedSteps: diffusionSteps)
        let stepCount = steps ?? diffusionSteps
        let passes = o.targets.isEmpty ? 1 : 2
        let flops = model.forwardFLOPs(graphs: passes * shard) * Double(stepCount * devices.count)
        print("device: \(devices.map(\.name).joined(separator: " + "))\(devices.count > 1 ? " (batch split \(devices.count) ways)" : "")")
        print("workload: \(workload.preset) (\(model.layout.parameterCount) parameters), \(workload.space), batch \(shard * devices.count), \(stepCount) steps, \(passes) passes per step, \(String(format: "%.3g", flops / 1e9)) GFLOP per run (denoiser)"
              + (predictor.map { ", \($0) predictor guidance" } ?? ""))
        _ = try sampler.sample(o, batches: devices.count)       // warm-up: kernel builds, allocations
        for d in devices { _ = try d.kernelProfile(reset: true) }
        var times: [Double] = []
        for _ in 0..<workload.repetitions {
            let t0 = Date()
            _ = try sampler.sample(o, batches: devices.count)
            times.append(Date().timeIntervalSince(t0))
        }
        let m = median(times)
        print(String(format: "run: median %.3f s (min %.3f, max %.3f) = %.2f ms per architecture, %.3g TFLOP/s",
                     m, times.min()!, times.max()!, 1000 * m / Double(shard * devices.count), flops / m / 1e12)
              + peakFraction(flops / m / 1e12, devices))
        for d in devices { if let table = try d.kernelProfileTable() { print(table, terminator: "") } }
    }
}

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time training steps (forward, loss, backward, AdamW): ms per step, graphs/s, TFLOP/s.")

    @OptionGroup var workload: BenchWorkload
    @Option(help: "Graphs per step.") var batch = 256
    @Option(help: "Steps per repetition.") var steps = 10

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1 (got \(batch))") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1 (got \(steps))") }
    }

    func run() throws {
        let (ckpt, _, s, _, data, conditions) = try workload.checkpoint(batch: batch, diffusionSteps: 500)
        let device = try workload.deviceOption.make()
        var o = ckpt.record.training
        o.steps = Int.max
        var c = ckpt
        c.record.training = o
        let trainer = try Trainer(device: device, space: s, data: data, conditions: conditions, options: o, resume: c)
        let flops = 3 * trainer.model.forwardFLOPs(graphs: batch)   // backward ≈ 2× forward
        print("device: \(device.name)")
        print("workload: \(workload.preset) (\(trainer.model.layout.parameterCount) parameters), \(workload.space), batch \(batch), \(String(format: "%.3g", flops / 1e9)) GFLOP per step")
        try trainer.step()
        try device.synchronize()
        _ = try device.kernelProfile(reset: true)
        var times: [Double] = []
        for _ in 0..<workload.repetitions {
            let t0 = Date()
            for _ in 0..<steps { try trainer.step() }
            try device.synchronize()
            times.append(Date().timeIntervalSince(t0) / Double(steps))
        }
        let m = median(times)
        print(String(format: "step: median %.2f ms (min %.2f, max %.2f) = %.0f graphs/s, %.3g TFLOP/s",
                     1000 * m, 1000 * times.min()!, 1000 * times.max()!, Double(batch) / m, flops / m / 1e12)
              + peakFraction(flops / m / 1e12, [device]))
        if let table = try device.kernelProfileTable() { print(table, terminator: "") }
    }
}

/// ", 38 % of the fp32 peak (66.9 TFLOP/s)" where every device's peak is known (NVIDIA GPUs), else "".
func peakFraction(_ tflops: Double, _ devices: [Device]) -> String {
    let peaks = devices.map { $0.openCLInfo?.fp32PeakTFLOPs }
    guard !peaks.isEmpty, peaks.allSatisfy({ $0 != nil }) else { return "" }
    let peak = peaks.reduce(0) { $0 + $1! }
    return String(format: ", %.0f %% of the fp32 peak (%.1f TFLOP/s: SMs × fp32 lanes × 2 × boost clock)", 100 * tflops / peak, peak)
}
