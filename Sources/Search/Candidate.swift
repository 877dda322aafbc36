import Foundation
import SearchSpaces

// A cell a strategy proposes for evaluation, and the record of one evaluation. Both are JSON lines in
// the run's directory (rounds.jsonl, evaluations.jsonl), so they carry the graph as plain arrays.

public struct Candidate: Codable, Sendable, Hashable {
    /// The space's standard string (what a user's evaluator is given as {arch}).
    public var arch: String
    /// Isomorphism-aware identity: a search never evaluates two cells with the same one.
    public var identity: String
    public var ops: [Int]
    /// n × n 0/1 rows, row i = edges i → j.
    public var adjacency: [[Int]]
    /// The predictor's value for it when it was proposed (diffusion, predictor-rank).
    public var predicted: Double?
    /// How it was found: "random", "mutation", "sample", "guided", "ranked", "fill".
    public var source: String

    public init(graph: ArchGraph, space: any SearchSpace, predicted: Double? = nil, source: String) throws {
        arch = try space.decode(graph)
        identity = space.identity(graph)
        ops = graph.ops
        adjacency = (0..<graph.nodeCount).map { i in (0..<graph.nodeCount).map { graph.hasEdge(i, $0) ? 1 : 0 } }
        self.predicted = predicted
        self.source = source
    }

    public var graph: ArchGraph { ArchGraph(ops: ops, adjacency: adjacency.flatMap { $0.map { $0 != 0 } }) }
}

public enum EvaluationStatus: String, Codable, Sendable {
    case ok, failed, timeout
}

/// What an evaluator reports for one candidate.
public struct EvaluationOutcome: Sendable, Equatable {
    public var status: EvaluationStatus
    public var value: Double?
    public var seconds: Double
    public var attempts: Int
    /// Why it failed, in one line.
    public var error: String?

    public init(status: EvaluationStatus, value: Double? = nil, seconds: Double, attempts: Int = 1, error: String? = nil) {
        self.status = status; self.value = value; self.seconds = seconds; self.attempts = attempts; self.error = error
    }
}

/// One line of evaluations.jsonl.
public struct EvaluationRecord: Codable, Sendable, Equatable {
    /// 1-based, in the order evaluations finished.
    public var n: Int
    public var round: Int
    public var strategy: String
    public var candidate: Candidate
    public var status: EvaluationStatus
    public var value: Double?
    public var seconds: Double
    public var attempts: Int
    public var error: String?

    public init(n: Int, round: Int, strategy: String, candidate: Candidate, outcome: EvaluationOutcome) {
        self.n = n; self.round = round; self.strategy = strategy; self.candidate = candidate
        status = outcome.status; value = outcome.value; seconds = outcome.seconds; attempts = outcome.attempts; error = outcome.error
    }
}

/// One line of rounds.jsonl: what a round set out to evaluate, written before its first evaluation so
/// that a resumed run finishes the same round.
public struct RoundPlan: Codable, Sendable, Equatable {
    public var round: Int
    public var candidates: [Candidate]
}
