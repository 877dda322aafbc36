import Foundation
import SearchSpaces

// What defines a search run: saved as DIR/settings.json when it starts, and compared on --resume so
// that one directory never mixes evaluations made under different settings. How the evaluations are
// carried out (parallelism, timeout) and how far the run goes (the budget) may change on a resume.

public enum SearchStrategyKind: String, Codable, Sendable, CaseIterable {
    /// Sample with the current predictor's guidance, keep the best-predicted unseen cells.
    case diffusion
    /// Unseen cells of the table, uniformly.
    case random
    /// Regularised evolution (Real et al. 2019): population 20, tournament 5, one mutation.
    case evolution
    /// The same refitted predictor ranking every cell of the table, best unseen first.
    case predictorRank = "predictor-rank"
}

public struct SearchSettings: Codable, Sendable, Equatable {
    public var checkpoint: String
    public var space: String
    public var metric: String
    public var direction: MetricDirection
    public var strategy: SearchStrategyKind
    /// "table", or the shell command run once per candidate.
    public var evaluator: String
    public var seed: UInt64 = 0
    public var budget: Int
    public var perRound = 10
    /// Trained conditions the diffusion samples under (`nasdiff sample --condition`), diffusion only.
    public var conditions: [String] = []
    /// Samples drawn per diffusion round before the best-predicted unseen ones are kept.
    public var candidates = 100
    public var samplingSteps = 50
    /// λ of the predictor guidance.
    public var predictorWeight = 100.0
    /// Optimizer steps of each refit (continuing from the last round's weights); the first fit from
    /// scratch takes `firstFitSteps`.
    public var refitSteps = 200
    public var firstFitSteps = 600

    public init(checkpoint: String, space: String, metric: String, direction: MetricDirection, strategy: SearchStrategyKind,
                evaluator: String, budget: Int) {
        self.checkpoint = checkpoint; self.space = space; self.metric = metric; self.direction = direction
        self.strategy = strategy; self.evaluator = evaluator; self.budget = budget
    }

    public var usesPredictor: Bool { strategy == .diffusion || strategy == .predictorRank }

    public func validate() throws {
        for (flag, value) in [("--budget", budget), ("--per-round", perRound), ("--candidates", candidates), ("--sampling-steps", samplingSteps),
                              ("--refit-steps", refitSteps)] where value < 1 {
            throw SearchError.badOption(flag, "must be at least 1 (got \(value))")
        }
        guard budget >= perRound else {
            throw SearchError.badOption("--budget", "\(budget) is below one round (--per-round \(perRound)); give a budget of at least one round")
        }
        if usesPredictor, perRound < 2 {
            throw SearchError.badOption("--per-round", "the \(strategy.rawValue) strategy fits a predictor after the first round, which needs at least 2 evaluations (got \(perRound))")
        }
        guard predictorWeight.isFinite, predictorWeight >= 0 else {
            throw SearchError.badOption("--predictor-weight", "must be a finite number ≥ 0 (got \(predictorWeight))")
        }
        if !conditions.isEmpty, strategy != .diffusion {
            throw SearchError.badOption("--condition", "only the diffusion strategy samples under conditions")
        }
    }

    /// The first setting (as its flag) in which `self` differs from a directory's saved settings, ignoring
    /// the budget, which a resume may raise.
    public func firstDifference(from saved: SearchSettings) -> String? {
        let pairs: [(String, String, String)] = [
            ("--checkpoint", checkpoint, saved.checkpoint), ("--metric", metric, saved.metric),
            ("--direction", direction.rawValue, saved.direction.rawValue), ("--strategy", strategy.rawValue, saved.strategy.rawValue),
            (evaluator == "table" || saved.evaluator == "table" ? "--evaluator" : "--evaluate-cmd", evaluator, saved.evaluator),
            ("--seed", "\(seed)", "\(saved.seed)"), ("--per-round", "\(perRound)", "\(saved.perRound)"),
            ("--condition", conditions.joined(separator: " "), saved.conditions.joined(separator: " ")),
            ("--candidates", "\(candidates)", "\(saved.candidates)"), ("--sampling-steps", "\(samplingSteps)", "\(saved.samplingSteps)"),
            ("--predictor-weight", "\(predictorWeight)", "\(saved.predictorWeight)"), ("--refit-steps", "\(refitSteps)", "\(saved.refitSteps)"),
            ("--first-fit-steps", "\(firstFitSteps)", "\(saved.firstFitSteps)"),
        ]
        return pairs.first { $0.1 != $0.2 }.map { "\($0.0) '\($0.1)' (the directory was made with '\($0.2)')" }
    }
}

/// How evaluations are carried out; free to change between a run and its resume.
public struct SearchExecution: Sendable {
    /// Evaluations running at once (command evaluator).
    public var parallel = 1
    /// Seconds before an evaluation is stopped and counted as timed out; nil: no limit.
    public var timeout: Double? = nil
    /// Table evaluator: end the run once the table's optimum is evaluated (benchmarking strategies:
    /// the best-so-far curve is flat after it, so the rest of the budget would change no number).
    public var stopAtOptimum = false
    public init() {}
}

public enum SearchError: Error, CustomStringConvertible, Equatable {
    case badOption(String, String)
    case directory(String, String)

    public var description: String {
        switch self {
        case let .badOption(flag, why): return "\(flag): \(why)"
        case let .directory(path, why): return "\(path): \(why)"
        }
    }
}
