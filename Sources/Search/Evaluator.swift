import Foundation
import SearchSpaces

// Evaluators turn candidates into metric values. The table evaluator is the research setting (each
// lookup is one query); the command evaluator (CommandEvaluator.swift) runs the user's own training.

/// One evaluation to carry out: the candidate, its round, and a name unique in the run (r3c07: round 3,
/// the round's eighth candidate) that log files are named by.
public struct EvaluationItem: Sendable {
    public var id: String
    public var round: Int
    public var candidate: Candidate
    public init(round: Int, position: Int, candidate: Candidate) {
        id = String(format: "r%dc%02d", round, position)
        self.round = round
        self.candidate = candidate
    }
}

public protocol Evaluator {
    /// Evaluates every item and calls `finished` with its index as each one ends (in any order), so the
    /// caller can record it at once. Stops early, leaving the rest unevaluated, when `stopRequested`
    /// turns true.
    func evaluate(_ items: [EvaluationItem], finished: (Int, EvaluationOutcome) throws -> Void,
                  stopRequested: @escaping @Sendable () -> Bool) throws
}

/// Looks the metric up in the benchmark table, by the candidate's exact standard string.
public struct TableEvaluator: Evaluator {
    let table: BenchmarkTable
    let column: [Double]

    public init(table: BenchmarkTable, metric: String) throws {
        self.table = table
        do { column = try table.column(metric) } catch {
            throw SearchError.badOption("--metric", "the \(table.space) table has no metric '\(metric)'; it has \(table.metrics.map(\.name).joined(separator: ", "))")
        }
    }

    public func evaluate(_ items: [EvaluationItem], finished: (Int, EvaluationOutcome) throws -> Void,
                         stopRequested: @escaping @Sendable () -> Bool) throws {
        for (i, item) in items.enumerated() {
            if stopRequested() { return }
            if let row = table.row(ofStandard: item.candidate.arch), column[row].isFinite {
                try finished(i, EvaluationOutcome(status: .ok, value: column[row], seconds: 0))
            } else {
                try finished(i, EvaluationOutcome(status: .failed, seconds: 0, error: "the table has no value for this cell"))
            }
        }
    }
}
