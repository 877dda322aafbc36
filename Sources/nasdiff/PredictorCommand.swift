import ArgumentParser
import Compute
import Diffusion
import Foundation
import SearchSpaces

struct PredictorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictor",
        abstract: "Noise-aware performance predictors that steer `nasdiff sample` by their gradient (DiffusionNAG's guidance).",
        subcommands: [PredictorTrain.self, PredictorRank.self])
}

struct PredictorTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a predictor of one metric on graphs noised by a diffusion checkpoint's own noise model.",
        discussion: """
        Labels come from the benchmark table (--table-sample K: K random cells, the research setting) or from a \
        JSON-lines file (--labels): each line an architecture ("arch", or "ops" and "adjacency") and the metric, \
        as a top-level key or under "metrics" (what `nasdiff sample` writes). A fifth is held out to stop training; \
        Spearman's ρ and Kendall's τ on it are printed at t = 0 and three noise levels. Example:
          nasdiff predictor train --checkpoint Models/nb201-small.safetensors --metric cifar100 --table-sample 100 --out runs/c100.safetensors
          nasdiff sample --predictor runs/c100.safetensors --predictor-weight 3 --steps 100
        """)

    @Option(help: "Diffusion checkpoint whose noise model (schedule, marginals) the predictor learns under.") var checkpoint = bundledCheckpoint
    @Option(help: "The metric to predict: a column of the space's table, or the key of --labels.") var metric: String
    @Option(help: "JSON-lines file of labelled architectures.") var labels: String?
    @Option(help: "Draw this many labelled cells from the benchmark table at random (seeded).") var tableSample: Int?
    @Option(help: "With --labels: the metric's direction, higher or lower (default: the table's, else higher).") var direction: String?
    @Option(help: "Seed for the label draw, the split, initialisation and noise.") var seed: UInt64 = 0
    @Option(help: "Optimizer steps at most (training stops early when the held-out loss stops improving).") var steps = PredictorTrainingOptions().steps
    @Option(help: "Graphs per step.") var batch = PredictorTrainingOptions().batch
    @Option(help: "AdamW learning rate.") var lr: Float = PredictorTrainingOptions().learningRate
    @Option(help: "Transformer layers of the predictor.") var layers = PredictorTrainingOptions().layers
    @Option(help: "Width of the predictor's node and global streams.") var width = PredictorTrainingOptions().width
    @Option(help: "Output file (safetensors).") var out: String
    @Flag(help: "Print only the final summary.") var quiet = false
    @OptionGroup var dataOption: DataOption
    @OptionGroup var deviceOption: DeviceOption

    func validate() throws {
        guard (labels == nil) != (tableSample == nil) else { throw ValidationError("give exactly one of --labels FILE and --table-sample K") }
        if let k = tableSample, k < 1 { throw ValidationError("--table-sample must be at least 1 (got \(k))") }
        if let direction, !["higher", "lower"].contains(direction) { throw ValidationError("--direction \(direction): use higher or lower") }
    }

    func run() throws {
        try requireWritable(out, flag: "--out")
        let (ckpt, _) = try Checkpoint.read(from: dataOption.checkpoint(checkpoint))
        let record = ckpt.record
        let entry = try SpaceRegistry.entry(named: record.space)
        let space = entry.space
        let table = try dataOption.table(of: entry)
        var options = PredictorTrainingOptions()
        options.seed = seed; options.steps = steps; options.batch = batch; options.learningRate = lr
        options.layers = layers; options.width = width
        try options.validate()

        let labelled: [LabelledGraph]
        if let k = tableSample {
            guard let table else { throw ValidationError("--table-sample: the \(space.name) space has no bundled table; give --labels") }
            labelled = try PredictorLabels.tableSample(space: space, table: table, metric: metric, count: k, seed: seed)
        } else {
            let path = labels!
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandError("--labels \(path): cannot read the file") }
            let parsed = try PredictorLabels.parse(lines: text.components(separatedBy: "\n"), space: space, metric: metric, path: path)
            if !parsed.skippedLines.isEmpty {
                stderr("--labels \(path): skipped \(parsed.skippedLines.count) lines without a valid architecture and a finite '\(metric)' (lines \(parsed.skippedLines.prefix(10).map(String.init).joined(separator: ", "))\(parsed.skippedLines.count > 10 ? ", …" : ""))")
            }
            labelled = parsed.labels
        }
        let tableDirection = (try? table?.metric(named: metric))??.direction
        let dir: MetricDirection = direction.map { $0 == "lower" ? .lowerIsBetter : .higherIsBetter } ?? tableDirection ?? .higherIsBetter
        let support = PredictorLabels.support(space: space, table: table, labels: labelled)
        let device = try deviceOption.make()
        let trainer = try PredictorTrainer(device: device, diffusion: record, metric: metric, direction: dir, labels: labelled,
                                           support: support, options: options)
        if !quiet { stderr("training a \(layers)-layer predictor of \(metric) (\(trainer.net.layout.parameterCount) parameters) on \(labelled.count) labelled \(space.name) cells (a fifth held out), device: \(device.name)") }
        let status = StatusLine(quiet: quiet)
        let stop = StopRequest(notice: "stopping: the best weights so far will be written (again to quit without them)")
        let start = Date()
        let predictor = try trainer.run(progress: { p in
            guard !quiet else { return }
            let line = "\(status.bar(p.step, p.totalSteps)) step \(p.step)/\(p.totalSteps) loss \(String(format: "%.4f", p.trainLoss))"
                + (p.heldOutLoss.map { String(format: " held-out %.4f (best %.4f)", $0, p.bestHeldOutLoss) } ?? "")
            if status.isTTY { status.show(line) } else if p.heldOutLoss != nil && p.step % (10 * 50) == 0 { stderr(line) }
        }, stopRequested: { stop.isRequested })
        try predictor.write(to: out)
        status.show(String(format: "trained in %.1f s; wrote %@", Date().timeIntervalSince(start), out), final: true)
        var report = "held-out rank quality (\(predictor.record.labels / 5 >= 2 ? predictor.record.labels / 5 : 2) labels):"
        for q in predictor.record.heldOut {
            report += String(format: "\n  t = %4d/%d  Spearman %.3f  Kendall %.3f", q.t, record.schedule.steps, q.spearman, q.kendall)
        }
        stderr(report)
    }
}

/// The predictor ranking every cell of an enumerable space (the baseline a guided generator must come
/// close to): prints the top cells by predicted value at t = 0 as JSON lines, like `nasdiff sample`.
struct PredictorRank: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Rank every cell of the space's table by a predictor (t = 0) and write the best as JSON lines.")

    @Option(help: "Predictor written by `nasdiff predictor train`.") var predictor: String
    @Option(help: "The diffusion checkpoint it was trained under.") var checkpoint = bundledCheckpoint
    @Option(help: "How many of the best-predicted cells to write.") var count = 192
    @Option(help: "Output file (JSON lines); '-' for stdout.") var out = "-"
    @OptionGroup var dataOption: DataOption
    @OptionGroup var deviceOption: DeviceOption

    func run() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1 (got \(count))") }
        if out != "-" { try requireWritable(out, flag: "--out") }
        let p = try Predictor.read(from: predictor)
        let (ckpt, _) = try Checkpoint.read(from: dataOption.checkpoint(checkpoint))
        try p.requireCompatible(with: ckpt.record, path: predictor)
        let (space, table) = try dataOption.loadSpace(ckpt.record.space)
        var graphs: [GraphTensors] = [], archs: [ArchGraph] = [], rows: [Int] = [], seen = Set<String>()
        for (r, s) in table.standards.enumerated() {
            guard let g = try? space.encode(s), space.invalidReason(g) == nil, seen.insert(space.identity(g)).inserted else { continue }
            graphs.append(GraphTensors(g, n: space.maxNodes))
            archs.append(g)
            rows.append(r)
        }
        let predicted = try p.predict(graphs, t: 0, noise: ckpt.record, device: try deviceOption.make())
        if let column = try? table.column(p.record.metric) {
            let known = rows.indices.filter { column[rows[$0]].isFinite }
            let q = RankQuality(t: 0, predicted: known.map { predicted[$0] }, actual: known.map { column[rows[$0]] })
            stderr(String(format: "over the %d distinct cells of the table: Spearman %.3f, Kendall %.3f", known.count, q.spearman, q.kendall))
        }
        let better: (Double, Double) -> Bool = p.record.direction == .higherIsBetter ? { $0 > $1 } : { $0 < $1 }
        let order = predicted.indices.sorted { better(predicted[$0], predicted[$1]) }
        let lines = try order.prefix(count).map { try SampleLine.json(archs[$0], space: space, table: table) }
        let text = lines.joined(separator: "\n") + "\n"
        if out == "-" { FileHandle.standardOutput.write(Data(text.utf8)) } else { try writeAtomically(text, to: out) }
        stderr("ranked \(graphs.count) distinct cells by \(p.record.metric); wrote the best \(min(count, graphs.count))")
    }
}
