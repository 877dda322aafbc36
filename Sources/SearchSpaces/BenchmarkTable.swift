// A benchmark table: one row per architecture of a space (its standard string and the benchmark's
// own key), and named numeric metric columns. Every table loader produces this one shape, so the
// metrics, the CLI and the condition labels of training never see a CSV.

/// Which way a metric improves.
public enum MetricDirection: String, Codable, Sendable, Hashable {
    /// Accuracies and scores.
    case higherIsBetter = "higher-better"
    /// Latencies, parameter counts, training times.
    case lowerIsBetter = "lower-better"

    /// True when `a` is strictly better than `b`.
    public func prefers(_ a: Double, over b: Double) -> Bool {
        self == .higherIsBetter ? a > b : a < b
    }
}

/// A metric column: its stable name (used on the command line and in JSON), direction and unit.
public struct MetricInfo: Codable, Sendable, Hashable {
    public var name: String
    public var direction: MetricDirection
    /// "%", "ms", "MB", "s", or "" for unitless scores.
    public var unit: String
    /// One line saying what was measured, and where it comes from.
    public var summary: String

    public init(name: String, direction: MetricDirection, unit: String, summary: String) {
        self.name = name
        self.direction = direction
        self.unit = unit
        self.summary = summary
    }
}

public enum BenchmarkTableError: Error, CustomStringConvertible, Equatable {
    case unknownMetric(table: String, metric: String, known: [String])
    case badFraction(flag: String, text: String)

    public var description: String {
        switch self {
        case let .unknownMetric(table, metric, known):
            return "the \(table) table has no metric '\(metric)'; it has: \(known.joined(separator: ", "))"
        case let .badFraction(flag, text):
            return "\(flag) \(text): expected METRIC:P% with 0 < P < 100, e.g. cifar10-valid:1%"
        }
    }
}

public struct BenchmarkTable: Sendable {
    /// Name of the space whose standard strings the rows hold (e.g. "nb201").
    public let space: String
    /// Standard string of each row, in the benchmark's row order.
    public let standards: [String]
    /// The benchmark's own key of each row (NB201: the arch index; TransNAS: the NASLib tuple).
    public let keys: [String]
    public let metrics: [MetricInfo]
    /// Column-major values: `columns[m][row]`.
    private let columns: [[Double]]
    private let rowOfStandard: [String: Int]
    private let metricIndex: [String: Int]

    public var rowCount: Int { standards.count }

    public init(space: String, standards: [String], keys: [String], metrics: [MetricInfo], columns: [[Double]]) {
        precondition(standards.count == keys.count && metrics.count == columns.count)
        precondition(columns.allSatisfy { $0.count == standards.count })
        self.space = space
        self.standards = standards
        self.keys = keys
        self.metrics = metrics
        self.columns = columns
        var rows: [String: Int] = [:]
        rows.reserveCapacity(standards.count)
        for (i, s) in standards.enumerated() where rows[s] == nil { rows[s] = i }
        rowOfStandard = rows
        metricIndex = Dictionary(uniqueKeysWithValues: metrics.enumerated().map { ($1.name, $0) })
    }

    /// Row of a standard string (exact text), or nil when the table does not hold it.
    public func row(ofStandard standard: String) -> Int? { rowOfStandard[standard] }

    /// The metric's description, or an error listing the metrics the table has.
    public func metric(named name: String) throws -> MetricInfo {
        metrics[try index(of: name)]
    }

    /// All values of one metric, in row order.
    public func column(_ name: String) throws -> [Double] {
        columns[try index(of: name)]
    }

    public func value(_ name: String, row: Int) throws -> Double {
        columns[try index(of: name)][row]
    }

    /// The row with the best value of a metric (first one on ties).
    public func bestRow(_ name: String) throws -> Int {
        let direction = try metric(named: name).direction
        let values = try column(name)
        var best = 0
        for r in values.indices where direction.prefers(values[r], over: values[best]) { best = r }
        return best
    }

    /// The rows of the best P % by a metric, from "METRIC:P%" (e.g. "cifar10-valid:1%": what a
    /// held-out test leaves out of training); `flag` names the option in the error.
    public func bestRows(parsing text: String, flag: String) throws -> Set<Int> {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[1].hasSuffix("%"), let p = Double(parts[1].dropLast()), p > 0, p < 100 else {
            throw BenchmarkTableError.badFraction(flag: flag, text: text)
        }
        let info = try metric(named: String(parts[0]))
        let col = try column(info.name)
        let order = col.indices.filter { col[$0].isFinite }.sorted { info.direction.prefers(col[$0], over: col[$1]) }
        return Set(order.prefix(Int((Double(order.count) * p / 100).rounded())))
    }

    private func index(of name: String) throws -> Int {
        guard let i = metricIndex[name] else {
            throw BenchmarkTableError.unknownMetric(table: space, metric: name, known: metrics.map(\.name))
        }
        return i
    }
}
