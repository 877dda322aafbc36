// Everything `nasdiff evaluate` measures about a set of generated architectures, in one Codable
// value: printed as a table for people (EvaluationReport+Text.swift) and written as JSON for tools.

import Foundation

public struct EvaluationReport: Codable, Sendable {
    public var space: String
    /// Input lines that were not an architecture at all (bad JSON, no "arch"), with line numbers.
    public var malformedLines: [MalformedLine]
    public var validity: ValiditySummary
    public var uniqueness: UniquenessSummary
    /// nil when no training set was given.
    public var novelty: NoveltySummary?
    /// nil when there is no benchmark table for the space.
    public var queries: QuerySummary?
    /// One entry when constraints were given (they are combined with AND).
    public var feasibility: FeasibilitySummary?
    /// nil unless a cost metric for the trade-off was chosen.
    public var pareto: ParetoSummary?

    public struct QuerySummary: Codable, Sendable {
        public var metric: MetricInfo
        /// The query budget N asked for; nil = all samples.
        public var limit: Int?
        /// Distinct architectures looked up (≤ limit).
        public var queried: Int
        /// Valid samples whose architecture the table lacks (possible for partial tables).
        public var validNotInTable: Int
        public var best: RankedArchitecture?
        public var topK: [RankedArchitecture]
        /// The best architecture of the whole table, for comparison.
        public var tableBest: RankedArchitecture
    }

    public struct FeasibilitySummary: Codable, Sendable {
        public var constraints: [MetricConstraint]
        /// Queried architectures meeting every constraint.
        public var feasible: Int
        public var queried: Int
        public var fraction: Double
        /// Best value of the query metric among the feasible queried ones.
        public var bestFeasible: RankedArchitecture?
        /// How many architectures of the whole table meet every constraint, and the best of them.
        public var tableFeasible: Int
        public var tableBestFeasible: RankedArchitecture?
    }

    public struct ParetoSummary: Codable, Sendable {
        /// The cost axis (minimised, e.g. a latency) and the value axis (the query metric).
        public var cost: MetricInfo
        public var value: MetricInfo
        /// Reference point of the hypervolume: the worst cost and the worst value of the whole
        /// table, so every architecture of the space lies inside it, the table's own front gets
        /// the largest possible area, and ratios between sample sets and the table are comparable.
        public var referenceCost: Double
        public var referenceValue: Double
        /// Every queried architecture on the plane, in query order (what a plot draws).
        public var samples: [TradeOffPoint]
        public var sampleFront: [TradeOffPoint]
        public var tableFront: [TradeOffPoint]
        public var sampleHypervolume: Double
        public var tableHypervolume: Double
        /// sampleHypervolume / tableHypervolume (1 = the samples reach the table's whole front).
        public var hypervolumeRatio: Double
    }

    /// Pretty-printed JSON with sorted keys (stable for diffs and tests).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    public func jsonString() throws -> String {
        String(decoding: try jsonData(), as: UTF8.self)
    }
}
