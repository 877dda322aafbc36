import ArgumentParser
import Compute
import Diffusion
import Foundation
import Search
import SearchSpaces

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a space within an evaluation budget: propose, evaluate, refit, repeat; or plot several runs (--compare).",
        discussion: """
        Strategies: diffusion (samples steered by a predictor refitted on every value so far; the first round is \
        the model's own samples), random, evolution (regularised: population 20, tournament 5, one mutation) and \
        predictor-rank (the same predictor ranking every cell of the table). Evaluations come from the table \
        (--evaluator table, one lookup per query) or from your command (--evaluate-cmd), run once per candidate \
        through sh, with {arch} (standard string), {json} (a JSON file: space, arch, ops, adjacency), {id}, \
        {round}, {seed} and {dir} replaced by quoted values; it prints one JSON line holding the metric, e.g. \
        {"accuracy": 91.2}. Failures and timeouts are retried once, then recorded. DIR gets evaluations.jsonl \
        (synced per evaluation), rounds.jsonl, settings.json, curve.csv, curve.svg and summary.json; \
        --resume continues a stopped or killed run without repeating a finished evaluation. Examples:
          nasdiff search --metric cifar100 --budget 100 --out runs/c100
          nasdiff search --metric accuracy --evaluate-cmd 'python3 tools/evaluators/nb201_digits.py --arch {arch}' --budget 8 --per-round 4 --parallel 2 --out runs/digits
          nasdiff search --metric accuracy --parallel 16 --out runs/cluster \\
            --evaluate-cmd 'sbatch --wait --quiet --output={dir}/logs/{id}.slurm train.sh {json} && tail -n 1 {dir}/logs/{id}.slurm'
          nasdiff search --compare runs/c100 runs/c100-random --out compare.svg
        """)

    @Option(help: "Diffusion checkpoint: its space is searched, and the diffusion strategy samples from it.") var checkpoint = bundledCheckpoint
    @Option(help: "The metric to optimise: a column of the table, or the key your command prints.") var metric: String?
    @Option(help: "higher or lower is better (default: the table's direction, else higher).") var direction: String?
    @Option(help: "diffusion, random, evolution or predictor-rank.") var strategy = SearchStrategyKind.diffusion.rawValue
    @Option(help: "Evaluations to spend in all (a resume may raise it).") var budget = 100
    @Option(help: "Evaluations per round (the predictor is refitted between rounds).") var perRound = 10
    @Option(help: "table: look the metric up in the space's benchmark table.") var evaluator: String?
    @Option(help: "A shell command run once per candidate, printing one JSON line with the metric (placeholders above).") var evaluateCmd: String?
    @Option(help: "Evaluations of --evaluate-cmd running at once.") var parallel = 1
    @Option(help: "Seconds before an evaluation is stopped and counted as timed out.") var evaluateTimeout: Double?
    @Option(name: .customLong("condition"), help: "A trained condition the diffusion samples under (as in `nasdiff sample`); repeat for several.") var conditions: [String] = []
    @Option(help: "Seed.") var seed: UInt64 = 0
    @Option(help: "Diffusion: samples drawn per round, of which the best-predicted new ones are evaluated.") var candidates = 100
    @Option(help: "Diffusion: denoising steps per sample.") var samplingSteps = 50
    @Option(help: "Diffusion: predictor guidance weight λ.") var predictorWeight = defaultPredictorWeight
    @Option(help: "Optimizer steps of each predictor refit (continuing from the last round's weights).") var refitSteps = 200
    @Option(help: "Optimizer steps of the first predictor fit.") var firstFitSteps = 600
    @Option(help: "The run's directory; with --compare, the SVG file to write.") var out: String?
    @Flag(help: "Table evaluator: stop once the table's optimum is evaluated (benchmarking; the curve is flat after it).") var stopAtOptimum = false
    @Flag(help: "Continue the run in --out (same settings; a larger --budget extends it).") var resume = false
    @Option(parsing: .upToNextOption, help: "Draw the best-so-far curves of these run directories in one plot (--out FILE.svg).") var compare: [String] = []
    @Flag(help: "Print only the final summary.") var quiet = false
    @OptionGroup var dataOption: DataOption
    @OptionGroup var deviceOption: DeviceOption

    func validate() throws {
        guard out != nil else { throw ValidationError("give --out: the run's directory (or, with --compare, the SVG file)") }
        if !compare.isEmpty { return }
        guard metric != nil else { throw ValidationError("give --metric: the metric to optimise") }
        guard SearchStrategyKind(rawValue: strategy) != nil else {
            throw ValidationError("--strategy \(strategy): use \(SearchStrategyKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let evaluator, evaluator != "table" { throw ValidationError("--evaluator \(evaluator): use table, or give --evaluate-cmd") }
        if evaluator != nil && evaluateCmd != nil { throw ValidationError("give --evaluator table or --evaluate-cmd, not both") }
        if let direction, !["higher", "lower"].contains(direction) { throw ValidationError("--direction \(direction): use higher or lower") }
    }

    func run() throws {
        if !compare.isEmpty { return try drawComparison() }
        let directory = out!, metric = metric!
        let checkpoint = dataOption.checkpoint(checkpoint)
        let (ckpt, model) = try Checkpoint.read(from: checkpoint)
        let (space, table) = try dataOption.loadSpace(ckpt.record.space)
        let tableDirection = (try? table.metric(named: metric))?.direction
        if evaluateCmd == nil && tableDirection == nil {
            throw ValidationError("--metric \(metric): the \(space.name) table has no such metric; it has \(table.metrics.map(\.name).joined(separator: ", ")) (or give --evaluate-cmd)")
        }
        var settings = SearchSettings(checkpoint: checkpoint, space: space.name, metric: metric,
                                      direction: direction.map { $0 == "lower" ? .lowerIsBetter : .higherIsBetter } ?? tableDirection ?? .higherIsBetter,
                                      strategy: SearchStrategyKind(rawValue: strategy)!, evaluator: evaluateCmd ?? "table", budget: budget)
        settings.perRound = perRound; settings.conditions = conditions; settings.seed = seed; settings.candidates = candidates
        settings.samplingSteps = samplingSteps; settings.predictorWeight = predictorWeight; settings.refitSteps = refitSteps
        settings.firstFitSteps = firstFitSteps
        var execution = SearchExecution()
        execution.parallel = parallel
        execution.timeout = evaluateTimeout
        execution.stopAtOptimum = stopAtOptimum
        let search = try SearchRun(settings: settings, execution: execution, directory: directory, resume: resume,
                                   device: try deviceOption.make(), checkpoint: ckpt, model: model, table: table)
        if resume { stderr("resuming \(directory): \(search.records.count) evaluations kept") }
        let status = StatusLine()
        let stop = StopRequest(notice: "stopping: finished evaluations are kept; `--resume` continues (again to quit at once)")
        let start = Date()
        try search.run(phase: { phase in
            if !quiet { status.show("\(status.bar(search.records.count, budget)) \(search.records.count)/\(budget) · \(phase)") }
        }, roundFinished: { r in
            guard !quiet else { return }
            var line = "round \(r.round): \(r.spent)/\(r.budget) evaluations"
            if let best = r.best, let v = best.value { line += String(format: ", best %@ %.4g (evaluation %d)", metric, v, best.n) }
            if let rho = r.predictorSpearman { line += String(format: ", predictor's ρ on this round %.2f", rho) }
            if r.failed > 0 { line += ", \(r.failed) failed" }
            status.show(line, final: true)
        }, stopRequested: { stop.isRequested })
        let summary = search.summary
        var text = String(format: "%d evaluations in %.1f s (%@, seed %llu)", summary.evaluations, Date().timeIntervalSince(start),
                          settings.strategy.rawValue, seed)
        if let best = summary.best, let arch = summary.bestArch { text += String(format: "; best %@ %.4g: %@", metric, best, arch) }
        if let o = summary.optimum {
            text += summary.evaluationsToOptimum.map { String(format: "; the table's optimum (%.4g) at evaluation %d", o, $0) }
                ?? String(format: "; the table's optimum (%.4g) not reached", o)
        }
        if summary.failed > 0 { text += "; \(summary.failed) failed (see evaluations.jsonl)" }
        status.show(text, final: true)
        stderr("wrote \(directory)/evaluations.jsonl, curve.csv, curve.svg, summary.json")
        if stop.isRequested { throw ExitCode(130) }
    }

    /// One SVG with every run's best-so-far curve, medians per strategy.
    func drawComparison() throws {
        var series: [CurvePlot.Series] = [], metrics = Set<String>(), optimum: Double?
        var direction = MetricDirection.higherIsBetter
        for dir in compare {
            guard let data = FileManager.default.contents(atPath: SearchRun.settingsPath(dir)),
                  let s = try? JSONDecoder().decode(SearchSettings.self, from: data) else {
                throw CommandError("--compare \(dir): no search settings.json there")
            }
            let records = try JSONLinesFile<EvaluationRecord>.read(path: SearchRun.evaluationsPath(dir)).lines
            metrics.insert(s.metric)
            direction = s.direction
            if let summary = FileManager.default.contents(atPath: "\(dir)/summary.json"),
               let o = try? JSONDecoder().decode(SearchSummary.self, from: summary).optimum { optimum = o }
            series.append(CurvePlot.Series(label: "\(s.strategy.rawValue) seed \(s.seed)", strategy: s.strategy.rawValue,
                                           best: SearchCurve.bestSoFar(records, direction: s.direction)))
        }
        guard metrics.count == 1, let metric = metrics.first else {
            throw ValidationError("--compare: the runs optimise different metrics (\(metrics.sorted().joined(separator: ", ")))")
        }
        let svg = CurvePlot.svg(series: series, metric: metric, direction: direction, optimum: optimum,
                                title: "\(metric): best so far, \(series.count) runs")
        try writeAtomically(svg, to: out!)
        stderr("wrote \(out!) (\(series.count) runs)")
    }
}
