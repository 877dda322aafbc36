import Foundation
import SearchSpaces

// What a search achieved, from its evaluations alone: best so far after each evaluation, the best at
// the budgets a NAS paper quotes, and (table evaluator) how many evaluations it took to reach the
// table's optimum — by identity, since a search evaluates one cell per isomorphism class.

public enum SearchCurve {
    /// Best value after each evaluation (nil until one gave a value).
    public static func bestSoFar(_ records: [EvaluationRecord], direction: MetricDirection) -> [Double?] {
        var best: Double?
        return records.map { r in
            if r.status == .ok, let v = r.value, best.map({ direction.prefers(v, over: $0) }) ?? true { best = v }
            return best
        }
    }

    public static func best(_ records: [EvaluationRecord], direction: MetricDirection) -> EvaluationRecord? {
        records.filter { $0.status == .ok && $0.value != nil }.reduce(nil) { b, r in
            guard let b else { return r }
            return direction.prefers(r.value!, over: b.value!) ? r : b
        }
    }

    /// evaluation,round,status,value,best_so_far,arch — one row per evaluation.
    public static func csv(_ records: [EvaluationRecord], direction: MetricDirection) -> String {
        var lines = ["evaluation,round,status,value,best_so_far,arch"]
        for (r, best) in zip(records, bestSoFar(records, direction: direction)) {
            lines.append("\(r.n),\(r.round),\(r.status.rawValue),\(r.value.map { "\($0)" } ?? ""),\(best.map { "\($0)" } ?? ""),\"\(r.candidate.arch)\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// DIR/summary.json: what `tools/search_experiments.sh` tabulates.
public struct SearchSummary: Codable, Sendable {
    public static let budgets = [10, 20, 50, 100, 200]

    public var strategy: String
    public var metric: String
    public var seed: UInt64
    public var evaluations: Int
    public var failed: Int
    public var best: Double?
    public var bestArch: String?
    /// Best value within the first k evaluations, for k in `budgets` that the run reached.
    public var bestAt: [String: Double]
    /// The table's optimum and the 1-based evaluation that first hit its cell (nil: not reached).
    public var optimum: Double?
    public var evaluationsToOptimum: Int?

    public init(settings: SearchSettings, records: [EvaluationRecord], optimum: (identity: String, value: Double)?) {
        strategy = settings.strategy.rawValue
        metric = settings.metric
        seed = settings.seed
        evaluations = records.count
        failed = records.filter { $0.status != .ok }.count
        let best = SearchCurve.best(records, direction: settings.direction)
        self.best = best?.value
        bestArch = best?.candidate.arch
        let curve = SearchCurve.bestSoFar(records, direction: settings.direction)
        var at: [String: Double] = [:]
        for k in Self.budgets where k <= curve.count { if let v = curve[k - 1] { at["\(k)"] = v } }
        bestAt = at
        self.optimum = optimum?.value
        evaluationsToOptimum = optimum.flatMap { o in records.first { $0.candidate.identity == o.identity }?.n }
    }
}
