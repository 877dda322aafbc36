import ArgumentParser
import Compute
import Diffusion
import Foundation
import Model
import SearchSpaces

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample architectures from a trained checkpoint, optionally under conditions, as JSON lines.",
        discussion: """
        Each output line holds the architecture in the space's standard format ("arch"), its graph ("ops",
        "adjacency"), validity, its benchmark keys ("index", NB201's arch index; "naslib", the NASLib encoding of NB201 and TransNAS) \
        and the looked-up metrics. "ops" are node classes by index, named in `nasdiff spaces` and in the side file. \
        With --out FILE, FILE.meta.json (the extension replaced) records the tool version, the command, the \
        checkpoint's SHA-256, seed, conditions, guidance, predictors, devices and the node-class names. A seed's samples \
        depend on --batch too (each batch draws from (seed, batch index)). Example:
          nasdiff sample --checkpoint Models/nb201-small.safetensors --condition cifar10-valid --condition lat-pixel3 --count 192
        """)

    @Option(help: "Checkpoint written by `nasdiff train`.") var checkpoint = bundledCheckpoint
    @Option(help: "Number of architectures.") var count = 192
    @Option(help: "Graphs per batch on the device.") var batch = 192
    @Option(name: .customLong("condition"), help: "A trained condition to satisfy: METRIC (its 'good' class) or METRIC=K; repeat for several.") var conditions: [String] = []
    @Option(help: "Guidance: joint (DiNAS, one weight) or composed (a weight per condition).") var guidance = "joint"
    @Option(help: "Guidance weight w (joint), or comma-separated weights, one per --condition (composed).") var weight = "2"
    @Option(help: "Denoising steps (default: the trained T; fewer uses the exact strided sampler).") var steps: Int?
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "After guidance, drop classes the unconditional model gives less than this probability (0 = off, DiNAS).") var supportThreshold: Float = 1e-4
    @Option(name: .customLong("predictor"), help: "A predictor (`nasdiff predictor train`) whose gradient steers sampling toward its metric's good side; repeat for several.") var predictors: [String] = []
    @Option(help: "Predictor guidance weight λ, or comma-separated weights, one per --predictor.") var predictorWeight = "\(defaultPredictorWeight)"
    @Option(help: "Bound on the predictors' log-weight of one class in one step.") var predictorLimit: Float = 30
    @Option(help: "Predictor guidance: first-order (the gradient) or exact (every single-row change scored; fixed-edge spaces only).") var predictorGuidance = PredictorGuidanceMode.firstOrder.rawValue
    @Option(help: "Output file (JSON lines); '-' for stdout.") var out = "-"
    @Flag(help: "Print nothing on stderr but warnings and errors (no progress, timing or summary).") var quiet = false
    @OptionGroup var dataOption: DataOption
    @OptionGroup var deviceOption: DeviceOption

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1 (got \(count))") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1 (got \(batch))") }
        do {
            _ = try Guidance.parse(mode: guidance, weights: weight, conditions: conditions.count)
            _ = try Guidance.predictorWeights(predictorWeight, count: predictors.count)
        } catch { throw ValidationError("\(error)") }
        if PredictorGuidanceMode(rawValue: predictorGuidance) == nil {
            throw ValidationError("--predictor-guidance \(predictorGuidance): use exact or first-order")
        }
    }

    func run() throws {
        let checkpointPath = dataOption.checkpoint(checkpoint)
        let (ckpt, model) = try Checkpoint.read(from: checkpointPath)
        let record = ckpt.record
        let entry = try SpaceRegistry.entry(named: record.space)
        let table = try dataOption.table(of: entry)
        var options = SamplingOptions()
        options.batch = min(batch, count)
        options.steps = steps
        options.seed = seed
        options.supportThreshold = supportThreshold
        let (mode, weights) = try Guidance.parse(mode: guidance, weights: weight, conditions: conditions.count)
        options.guidance = mode
        options.targets = try zip(conditions, weights).map { try ConditionTarget(parsing: $0, conditions: record.conditions, weight: $1) }
        options.predictors = try zip(predictors, try Guidance.predictorWeights(predictorWeight, count: predictors.count)).map { path, weight in
            let p = try Predictor.read(from: path)
            try p.requireCompatible(with: record, path: path)
            return PredictorGuide(predictor: p, weight: weight)
        }
        options.predictorLimit = predictorLimit
        options.predictorMode = PredictorGuidanceMode(rawValue: predictorGuidance)!
        try options.validate(trainedSteps: record.schedule.steps)
        if out != "-" { try requireWritable(out, flag: "--out"); try requireWritable(sideFilePath, flag: "--out (its side file)") }
        if case .joint = mode, options.targets.count > 1, let table,
           !(0..<table.rowCount).contains(where: meetingAll(options.targets.map { ($0.conditionIndex, $0.targetClass) }, record.conditions, table: table)) {
            stderr("warning: no cell of the \(record.space) table meets all of \(conditions.joined(separator: ", ")) at once, so joint guidance asks for a class combination the model never saw; --guidance composed weighs them separately")
        }
        let devices = try deviceOption.makeAll()
        let sampler = try ShardedSampler(devices: devices, checkpoint: ckpt, model: model)
        let status = StatusLine(quiet: quiet)
        let batches = (count + options.batch - 1) / options.batch
        let start = Date()
        status.show("\(status.bar(0, batches)) 0/\(batches) batches")
        let stop = StopRequest(notice: "stopping: the samples of the batches already finished are written (again to quit at once)")
        // Finished batches are written as they come (in order), so an interrupted or killed run keeps them.
        let writer = try SampleWriter(path: out, count: count, space: entry.space, table: table, maxNodes: model.config.maxNodes)
        let finished = try sampler.sample(options, batches: batches, progress: { done, step, steps in
            let where_ = steps > 0 ? ", a batch at step \(step)/\(steps)" : ""
            status.show("\(status.bar(done, batches)) \(done)/\(batches) batches\(where_)")
        }, inOrder: { writer.write($0) }, stopRequested: { stop.isRequested })
        try writer.finish()
        let graphs = Array(finished.joined().prefix(count))
        let deviceNames = devices.map(\.name).joined(separator: " + ")
        let seconds = Date().timeIntervalSince(start)
        status.show(String(format: "sampled %d architectures in %.2f s (%.1f ms per architecture) on %@", graphs.count, seconds,
                           1000 * seconds / Double(max(graphs.count, 1)), deviceNames)
                    + (finished.count < batches ? " (stopped: \(finished.count) of \(batches) batches finished)" : ""), final: true)

        if out != "-" {
            try writeAtomically(sideFile(checkpointPath: checkpointPath, options: options, space: entry.space, devices: devices,
                                         written: graphs.count, finished: finished.count == batches, seconds: seconds),
                                to: sideFilePath, flag: "--out (its side file)")
        }
        let space = entry.space
        let archs = graphs.map { GeneratedArchitecture.graph(GraphTensors.graph(nodes: $0.nodes, pairs: $0.pairs, n: model.config.maxNodes, nodeCount: $0.nodeCount)) }
        if !quiet { try summarize(archs, options: options, record: record, space: space, table: table) }
        // Interrupted, though what finished is written: scripts should not read it as done.
        if finished.count < batches { throw ExitCode(130) }
    }

    /// The side file beside --out: FILE.jsonl → FILE.meta.json.
    var sideFilePath: String { (out as NSString).deletingPathExtension + ".meta.json" }

    /// What a reader needs to trace or repeat the samples: tool, command, checkpoint hash, every choice.
    private func sideFile(checkpointPath: String, options: SamplingOptions, space: any SearchSpace, devices: [Device],
                          written: Int, finished: Bool, seconds: Double) throws -> String {
        let record: [String: Any] = [
            "tool": "nasdiff \(NASDiff.version)",
            "command": CommandLine.arguments,
            "checkpoint": ["path": checkpointPath, "sha256": SHA256.hex(ofFile: checkpointPath) as Any? ?? NSNull()] as [String: Any],
            "space": space.name,
            "nodeClasses": space.nodeClasses,
            "seed": seed, "count": count, "batch": options.batch, "steps": options.steps as Any? ?? NSNull(),
            "conditions": conditions, "guidance": guidance, "weight": weight,
            "predictors": predictors.map { ["path": $0, "sha256": SHA256.hex(ofFile: $0) as Any? ?? NSNull()] as [String: Any] },
            "predictorWeight": predictorWeight, "predictorGuidance": predictorGuidance,
            "supportThreshold": Double("\(supportThreshold)") ?? 0,
            "devices": devices.map(\.name),
            "samples": written, "finished": finished, "seconds": (seconds * 1000).rounded() / 1000,
            "date": ISO8601DateFormatter().string(from: Date()),
        ]
        let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Validity, uniqueness, novelty, the best found and how many meet each condition, on stderr.
    private func summarize(_ archs: [GeneratedArchitecture], options: SamplingOptions, record: CheckpointRecord,
                           space: any SearchSpace, table: BenchmarkTable?) throws {
        var training: Set<String>?
        if let table {
            training = Evaluation.trainingIdentities(space: space, standards: record.trainingRows.map { table.standards[$0] }).identities
        }
        // A predictor's metric when the table has it (a user's own labels may name another).
        let predicted = options.predictors.first.map(\.predictor.record.metric).flatMap { m in (try? table?.metric(named: m)) != nil ? m : nil }
        let metric = predicted ?? options.targets.first.map { record.conditions[$0.conditionIndex].metric }
        let report = try Evaluation.run(space: space, table: table, samples: archs, trainingSet: training,
                                        conditions: EvaluationConditions(metric: metric, topK: 5, queries: nil))
        stderr(report.renderText())
        if let table { stderr(conditionSummary(archs, options.targets, record.conditions, space: space, table: table)) }
    }
}

/// JSON lines of finished batches, appended to the output (stdout for '-') and synced as each comes,
/// up to `count` lines in all. Called one batch at a time (ShardedSampler's `inOrder`).
final class SampleWriter: @unchecked Sendable {
    let handle: FileHandle, path: String, count: Int, space: any SearchSpace, table: BenchmarkTable?, maxNodes: Int
    private var written = 0
    private var failure: Error?

    init(path: String, count: Int, space: any SearchSpace, table: BenchmarkTable?, maxNodes: Int) throws {
        self.path = path; self.count = count; self.space = space; self.table = table; self.maxNodes = maxNodes
        if path == "-" { handle = .standardOutput; return }
        try requireWritable(path, flag: "--out")
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw CommandError("--out \(path): cannot create the file")
        }
        handle = h
    }

    func write(_ batch: [SampledGraph]) {
        guard failure == nil, written < count else { return }
        do {
            let lines = try batch.prefix(count - written).map {
                try SampleLine.json(GraphTensors.graph(nodes: $0.nodes, pairs: $0.pairs, n: maxNodes, nodeCount: $0.nodeCount), space: space, table: table)
            }
            try handle.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
            if path != "-" { try handle.synchronize() }
            written += lines.count
        } catch {
            failure = CommandError("--out \(path): cannot write the samples: \(error.localizedDescription)")
        }
    }

    func finish() throws {
        if path != "-" { try? handle.close() }
        if let failure { throw failure }
    }
}

/// λ when --predictor-weight is not given, chosen by the sweep in Benchmarks/RESULTS.md.
let defaultPredictorWeight = 100.0

/// How many valid samples meet each asked-for condition, and the mean of its metric.
func conditionSummary(_ archs: [GeneratedArchitecture], _ targets: [ConditionTarget], _ conditions: [ConditionSpec],
                      space: any SearchSpace, table: BenchmarkTable) -> String {
    var rows: [Int] = []
    for case .graph(let g) in archs where space.invalidReason(g) == nil {
        if let s = try? space.decode(g), let r = table.row(ofStandard: s) { rows.append(r) }
    }
    var out = "conditions (over \(rows.count) valid samples found in the table):"
    let shown = targets.isEmpty ? conditions.indices.map { (i: $0, k: conditions[$0].width - 1) } : targets.map { (i: $0.conditionIndex, k: $0.targetClass) }
    for (i, k) in shown {
        let c = conditions[i]
        guard let col = try? table.column(c.metric) else { continue }
        let met = rows.filter { c.classOf(col[$0]) == k }.count
        let mean = rows.isEmpty ? "n/a" : String(format: "%.3f", rows.map { col[$0] }.reduce(0, +) / Double(rows.count))
        let all = col.filter(\.isFinite)
        let chance = Double(all.filter { c.classOf($0) == k }.count) / Double(max(all.count, 1))
        out += String(format: "\n  %@ class %d: %.1f%% of samples (%.1f%% of the table); mean %@ %@ (table mean %.3f)",
                      c.text, k, 100 * Double(met) / Double(max(rows.count, 1)), 100 * chance, c.metric, mean,
                      all.reduce(0, +) / Double(max(all.count, 1)))
    }
    if shown.count > 1 {
        let together = meetingAll(shown, conditions, table: table)
        let met = rows.filter(together).count
        let chance = Double((0..<table.rowCount).filter(together).count) / Double(max(table.rowCount, 1))
        out += String(format: "\n  all %d at once: %.1f%% of samples (%.1f%% of the table)", shown.count,
                      100 * Double(met) / Double(max(rows.count, 1)), 100 * chance)
    }
    return out
}

/// Whether a table row is in every (condition, class) of `wanted`.
func meetingAll(_ wanted: [(i: Int, k: Int)], _ conditions: [ConditionSpec], table: BenchmarkTable) -> (Int) -> Bool {
    let columns = wanted.map { (try? table.column(conditions[$0.i].metric)) ?? [] }
    return { row in
        zip(wanted, columns).allSatisfy { w, col in row < col.count && conditions[w.i].classOf(col[row]) == w.k }
    }
}
