import Foundation
import Compute
import Diffusion
import Model
import SearchSpaces

// The NAS loop: plan a round (the strategy's proposals, written to rounds.jsonl before anything is
// evaluated), evaluate it (each result appended to evaluations.jsonl and synced as it arrives), report,
// repeat until the budget is spent. A resumed run reads both files, finishes the last round's
// unevaluated candidates first, and never evaluates a cell twice.
//
// DIR/settings.json      what defines the run (compared on --resume)
// DIR/evaluations.jsonl  one line per finished evaluation
// DIR/rounds.jsonl       one line per planned round
// DIR/predictor.safetensors, curve.csv, curve.svg, summary.json

/// What the progress line shows after a round.
public struct RoundReport: Sendable {
    public var round: Int
    public var spent: Int, budget: Int
    public var failed: Int
    public var best: EvaluationRecord?
    /// Spearman's ρ between what the predictor said of the round's candidates and what they scored.
    public var predictorSpearman: Double?
}

public final class SearchRun {
    public let settings: SearchSettings
    public let directory: String
    public let space: any SearchSpace
    public let table: BenchmarkTable
    public private(set) var records: [EvaluationRecord]
    private var plans: [RoundPlan]
    private let evaluator: any Evaluator
    private let proposer: any Proposer
    private let evaluationsFile: JSONLinesFile<EvaluationRecord>
    private let roundsFile: JSONLinesFile<RoundPlan>
    private let stopAtOptimum: Bool

    public static func settingsPath(_ directory: String) -> String { "\(directory)/settings.json" }
    public static func evaluationsPath(_ directory: String) -> String { "\(directory)/evaluations.jsonl" }

    /// Starts a run in `directory` (which must not hold one), or resumes the one there.
    public init(settings: SearchSettings, execution: SearchExecution, directory: String, resume: Bool, device: Device,
                checkpoint: Checkpoint, model: GraphTransformer, table: BenchmarkTable) throws {
        try settings.validate()
        let space = try SpaceRegistry.entry(named: checkpoint.record.space).space
        // Everything that can be refused is refused before the directory is touched.
        if settings.evaluator == "table" {
            evaluator = try TableEvaluator(table: table, metric: settings.metric)
        } else {
            evaluator = try CommandEvaluator(command: settings.evaluator, metric: settings.metric, space: space.name, directory: directory,
                                             seed: settings.seed, execution: execution)
        }
        let settingsPath = Self.settingsPath(directory)
        let exists = FileManager.default.fileExists(atPath: settingsPath)
        if resume {
            guard exists else { throw SearchError.directory(directory, "holds no search to resume (no settings.json); drop --resume to start one") }
            let saved: SearchSettings
            do { saved = try JSONDecoder().decode(SearchSettings.self, from: try Data(contentsOf: URL(fileURLWithPath: settingsPath))) } catch {
                throw SearchError.directory(settingsPath, "cannot be read as search settings: \(error.localizedDescription)")
            }
            if let difference = settings.firstDifference(from: saved) {
                throw SearchError.badOption("--resume \(directory)", "this run's \(difference); resume with the same settings, or choose another --out")
            }
        } else if exists || FileManager.default.fileExists(atPath: Self.evaluationsPath(directory)) {
            throw SearchError.directory(directory, "holds a search already; give --resume to continue it, or choose another --out")
        }
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw SearchError.directory(directory, "cannot create the folder: \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(settings).write(to: URL(fileURLWithPath: settingsPath), options: .atomic)

        guard !execution.stopAtOptimum || settings.evaluator == "table" else {
            throw SearchError.badOption("--stop-at-optimum", "needs the table evaluator, which knows the optimum")
        }
        stopAtOptimum = execution.stopAtOptimum
        self.settings = settings
        self.directory = directory
        self.space = space
        self.table = table
        evaluationsFile = try JSONLinesFile(path: Self.evaluationsPath(directory))
        roundsFile = try JSONLinesFile(path: "\(directory)/rounds.jsonl")
        records = evaluationsFile.existing
        plans = roundsFile.existing

        let pool = CellPool(space: space, table: table)
        switch settings.strategy {
        case .random:
            proposer = RandomProposer(space: space, pool: pool, seed: settings.seed)
        case .evolution:
            proposer = EvolutionProposer(space: space, pool: pool, seed: settings.seed, direction: settings.direction)
        case .predictorRank, .diffusion:
            let refit = try PredictorRefit(device: device, diffusion: checkpoint.record, settings: settings, pool: pool, space: space,
                                           path: "\(directory)/predictor.safetensors")
            proposer = settings.strategy == .predictorRank
                ? PredictorRankProposer(space: space, pool: pool, refit: refit, seed: settings.seed)
                : try DiffusionProposer(space: space, pool: pool, refit: refit, settings: settings, checkpoint: checkpoint, model: model)
        }
    }

    /// Runs until the budget is spent, the space has no unseen cell left, or `stopRequested`.
    /// `phase` describes the step under way; `roundFinished` follows each round.
    public func run(phase: (String) -> Void, roundFinished: (RoundReport) -> Void,
                    stopRequested: @escaping @Sendable () -> Bool) throws {
        let optimumIdentity = stopAtOptimum ? optimum?.identity : nil
        while records.count < settings.budget && !stopRequested() {
            if let o = optimumIdentity, records.contains(where: { $0.candidate.identity == o }) { break }
            let evaluated = Set(records.map(\.candidate.identity))
            var items: [EvaluationItem]
            let round: Int
            if let last = plans.last, last.candidates.contains(where: { !evaluated.contains($0.identity) }) {
                round = last.round
                items = last.candidates.enumerated().filter { !evaluated.contains($0.element.identity) }
                    .map { EvaluationItem(round: round, position: $0.offset, candidate: $0.element) }
            } else {
                round = (plans.last?.round ?? 0) + 1
                let count = min(settings.perRound, settings.budget - records.count)
                let candidates = try proposer.propose(round: round, count: count, history: SearchHistory(records: records), phase: phase)
                guard !candidates.isEmpty else { phase("the space has no unevaluated cell left"); break }
                let plan = RoundPlan(round: round, candidates: candidates)
                try roundsFile.append(plan)
                plans.append(plan)
                items = candidates.enumerated().map { EvaluationItem(round: round, position: $0.offset, candidate: $0.element) }
            }
            items = Array(items.prefix(settings.budget - records.count))
            var done = 0
            phase("evaluating 0/\(items.count)")
            try evaluator.evaluate(items, finished: { i, outcome in
                let record = EvaluationRecord(n: records.count + 1, round: round, strategy: settings.strategy.rawValue,
                                              candidate: items[i].candidate, outcome: outcome)
                try evaluationsFile.append(record)
                records.append(record)
                done += 1
                phase("evaluating \(done)/\(items.count)")
            }, stopRequested: stopRequested)
            try writeCurve()
            roundFinished(report(round: round))
        }
        try writeCurve()
    }

    func report(round: Int) -> RoundReport {
        let mine = records.filter { $0.round == round && $0.status == .ok }
        let judged = mine.filter { $0.candidate.predicted != nil }
        let spearman = judged.count >= 3
            ? RankQuality(t: 0, predicted: judged.map { $0.candidate.predicted! }, actual: judged.map { $0.value! }).spearman : nil
        return RoundReport(round: round, spent: records.count, budget: settings.budget, failed: records.filter { $0.status != .ok }.count,
                           best: SearchCurve.best(records, direction: settings.direction), predictorSpearman: spearman)
    }

    /// The table's best cell when the run looks values up in the table (the research setting).
    public var optimum: (identity: String, value: Double)? {
        guard settings.evaluator == "table", let row = try? table.bestRow(settings.metric),
              let g = try? space.encode(table.standards[row]) else { return nil }
        return (space.identity(g), (try? table.value(settings.metric, row: row)) ?? .nan)
    }

    public var summary: SearchSummary {
        SearchSummary(settings: settings, records: records, optimum: optimum)
    }

    func writeCurve() throws {
        try SearchCurve.csv(records, direction: settings.direction).write(toFile: "\(directory)/curve.csv", atomically: true, encoding: .utf8)
        let series = CurvePlot.Series(label: "\(settings.strategy.rawValue) (seed \(settings.seed))", strategy: settings.strategy.rawValue,
                                      best: SearchCurve.bestSoFar(records, direction: settings.direction))
        let svg = CurvePlot.svg(series: [series], metric: settings.metric, direction: settings.direction, optimum: optimum?.value,
                                title: "\(space.name) \(settings.metric): best so far, \(settings.strategy.rawValue)")
        try svg.write(toFile: "\(directory)/curve.svg", atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: "\(directory)/summary.json"), options: .atomic)
    }
}
