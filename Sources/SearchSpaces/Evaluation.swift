// The evaluation entry point used by `nasdiff evaluate` and by the sampler: generated architectures
// in, an EvaluationReport out. Metric definitions: Metrics.swift; input line forms:
// GeneratedArchitecture.swift.

/// What to measure besides validity/uniqueness/novelty.
public struct EvaluationConditions: Sendable {
    /// Metric for best/top-k and the value axis of the trade-off; nil = the table's first metric.
    public var metric: String?
    public var topK: Int
    /// Query budget N: only the first N distinct queried architectures count. nil = all.
    public var queries: Int?
    /// Feasibility constraints, combined with AND.
    public var constraints: [MetricConstraint]
    /// Cost axis of the Pareto front (e.g. "lat-pixel3"); nil = the first constraint's metric,
    /// or no front when there are no constraints either.
    public var paretoCost: String?

    public init(metric: String? = nil, topK: Int = 5, queries: Int? = nil,
                constraints: [MetricConstraint] = [], paretoCost: String? = nil) {
        self.metric = metric
        self.topK = topK
        self.queries = queries
        self.constraints = constraints
        self.paretoCost = paretoCost
    }

    /// The cost metric the front is drawn against, after the default.
    public var effectiveParetoCost: String? { paretoCost ?? constraints.first?.metric }
}

public enum Evaluation {
    /// Evaluates JSON lines (one generated architecture per line). Malformed lines are reported with
    /// their 1-based number and skipped; the rest is evaluated. Throws only for conditions that
    /// name a metric the table lacks (the error lists the table's metrics).
    public static func run(space: any SearchSpace, table: BenchmarkTable?, lines: [String],
                           trainingSet: Set<String>?, conditions: EvaluationConditions) throws -> EvaluationReport {
        let parsed = GeneratedArchitectureLines.parse(lines)
        return try run(space: space, table: table, numberedSamples: parsed.samples, malformed: parsed.malformed,
                       trainingSet: trainingSet, conditions: conditions)
    }

    /// Evaluates architectures already in memory (e.g. graphs straight from the sampler).
    public static func run(space: any SearchSpace, table: BenchmarkTable?, samples: [GeneratedArchitecture],
                           trainingSet: Set<String>?, conditions: EvaluationConditions) throws -> EvaluationReport {
        try run(space: space, table: table, numberedSamples: samples.enumerated().map { ($0.offset + 1, $0.element) },
                malformed: [], trainingSet: trainingSet, conditions: conditions)
    }

    /// Identities of a training set given as standard strings; unreadable or invalid ones are skipped
    /// and counted, so a caller can warn.
    public static func trainingIdentities(space: any SearchSpace, standards: [String]) -> (identities: Set<String>, skipped: Int) {
        var identities: Set<String> = []
        var skipped = 0
        for s in standards {
            guard let g = try? space.encode(s), space.invalidReason(g) == nil else { skipped += 1; continue }
            identities.insert(space.identity(g))
        }
        return (identities, skipped)
    }

    /// Identities of a training set file's lines: JSON objects as accepted by `run` or plain
    /// standard strings, one per line (blank lines skipped). Unreadable or invalid lines are counted.
    public static func trainingIdentities(space: any SearchSpace, lines: [String]) -> (identities: Set<String>, skipped: Int) {
        var identities: Set<String> = []
        var skipped = 0
        for text in lines {
            let trimmed = text.trimmingSpaces().filter { $0 != "\r" }
            if trimmed.isEmpty { continue }
            let arch: GeneratedArchitecture
            if trimmed.hasPrefix("{") {
                guard case .success(let parsed) = GeneratedArchitectureLines.parseLine(trimmed) else { skipped += 1; continue }
                arch = parsed
            } else {
                arch = .standard(trimmed)
            }
            let judged = SampleMetrics.judge(arch, line: 0, space: space, table: nil)
            guard let identity = judged.identity else { skipped += 1; continue }
            identities.insert(identity)
        }
        return (identities, skipped)
    }

    /// Identities of every architecture of a table (novelty against the whole benchmark, which is
    /// close to DiNAS's 99 % training split).
    public static func tableIdentities(space: any SearchSpace, table: BenchmarkTable) -> Set<String> {
        trainingIdentities(space: space, standards: table.standards).identities
    }

    static func run(space: any SearchSpace, table: BenchmarkTable?, numberedSamples: [(line: Int, arch: GeneratedArchitecture)],
                    malformed: [MalformedLine], trainingSet: Set<String>?, conditions: EvaluationConditions) throws -> EvaluationReport {
        let judged = numberedSamples.map { SampleMetrics.judge($0.arch, line: $0.line, space: space, table: table) }
        var report = EvaluationReport(
            space: space.name, malformedLines: malformed,
            validity: SampleMetrics.validity(judged),
            uniqueness: SampleMetrics.uniqueness(judged),
            novelty: trainingSet.map { SampleMetrics.novelty(judged, trainingSet: $0) })
        guard let table else { return report }

        let metricName = conditions.metric ?? table.metrics[0].name
        let metric = try table.metric(named: metricName)
        let values = try table.column(metricName)
        let rows = SampleMetrics.queriedRows(judged, limit: conditions.queries)
        let top = try SampleMetrics.topK(rows, metric: metricName, k: max(1, conditions.topK), table: table)
        let tableBest = try table.bestRow(metricName)
        report.queries = .init(
            metric: metric, limit: conditions.queries, queried: rows.count,
            validNotInTable: judged.filter { $0.isValid && $0.row == nil }.count,
            best: top.first, topK: Array(top.prefix(max(0, conditions.topK))),
            tableBest: SampleMetrics.ranked(row: tableBest, value: values[tableBest], table: table))

        if !conditions.constraints.isEmpty {
            let feasible = try SampleMetrics.feasibleRows(rows, constraints: conditions.constraints, table: table)
            let tableFeasible = try SampleMetrics.feasibleRows(Array(0..<table.rowCount), constraints: conditions.constraints, table: table)
            report.feasibility = .init(
                constraints: conditions.constraints, feasible: feasible.count, queried: rows.count,
                fraction: SampleMetrics.ratio(feasible.count, rows.count),
                bestFeasible: try SampleMetrics.topK(feasible, metric: metricName, k: 1, table: table).first,
                tableFeasible: tableFeasible.count,
                tableBestFeasible: try SampleMetrics.topK(tableFeasible, metric: metricName, k: 1, table: table).first)
        }

        if let costName = conditions.effectiveParetoCost {
            report.pareto = try pareto(rows: rows, cost: table.metric(named: costName), value: metric, table: table)
        }
        return report
    }

    /// Front and hypervolume of the queried rows and of the whole table. Both axes are turned into
    /// "minimise cost, maximise value" by their directions, and turned back for the report.
    static func pareto(rows: [Int], cost: MetricInfo, value: MetricInfo, table: BenchmarkTable) throws -> EvaluationReport.ParetoSummary {
        let costSign = cost.direction == .lowerIsBetter ? 1.0 : -1.0
        let valueSign = value.direction == .higherIsBetter ? 1.0 : -1.0
        let costs = try table.column(cost.name), values = try table.column(value.name)
        func oriented(_ r: Int) -> TradeOffPoint { TradeOffPoint(cost: costSign * costs[r], value: valueSign * values[r], row: r) }
        func original(_ p: TradeOffPoint) -> TradeOffPoint {
            TradeOffPoint(cost: costSign * p.cost, value: valueSign * p.value, row: p.row, key: table.keys[p.row])
        }

        let all = (0..<table.rowCount).map(oriented)
        let referenceCost = all.map(\.cost).max() ?? 0
        let referenceValue = all.map(\.value).min() ?? 0
        let tableFront = ParetoFront.front(of: all)
        let sampleFront = ParetoFront.front(of: rows.map(oriented))
        let tableArea = ParetoFront.hypervolume(of: tableFront, referenceCost: referenceCost, referenceValue: referenceValue)
        let sampleArea = ParetoFront.hypervolume(of: sampleFront, referenceCost: referenceCost, referenceValue: referenceValue)
        return .init(cost: cost, value: value,
                     referenceCost: costSign * referenceCost, referenceValue: valueSign * referenceValue,
                     samples: rows.map { original(oriented($0)) },
                     sampleFront: sampleFront.map(original), tableFront: tableFront.map(original),
                     sampleHypervolume: sampleArea, tableHypervolume: tableArea,
                     hypervolumeRatio: tableArea > 0 ? sampleArea / tableArea : 0)
    }
}
