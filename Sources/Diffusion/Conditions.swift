import Foundation
import SearchSpaces

// A condition turns a metric column of a benchmark table into a class per architecture:
//   METRIC:top5%      binary, 1 = among the best 5 % (by the metric's direction)
//   METRIC:<=5        binary, 1 = value ≤ 5 (absolute);  METRIC:>=90 likewise
//   METRIC:<=p25      binary, 1 = value ≤ the table's 25th percentile;  METRIC:>=p75 likewise
//   METRIC:bins5      5 quantile bins, class 0 = lowest values … 4 = highest
// The model sees the concatenated one-hots of all conditions; a dropped (null) condition is zeros.

public struct ConditionSpec: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Rule: Codable, Sendable, Equatable {
        case top(fraction: Double)
        case atMost(Double)
        case atLeast(Double)
        case atMostPercentile(Double)
        case atLeastPercentile(Double)
        case bins(Int)
    }

    public let metric: String
    public let rule: Rule
    /// Resolved cut points: binary rules hold one threshold; bins hold k − 1 ascending cuts.
    public let cuts: [Double]
    /// Binary "satisfied" means value ≥ cut (true) or ≤ cut (false).
    public let satisfiedAbove: Bool
    /// The text the user typed.
    public let text: String

    public var width: Int { if case .bins(let k) = rule { return k }; return 2 }
    public var isBinary: Bool { width == 2 && !isBins }
    var isBins: Bool { if case .bins = rule { return true }; return false }
    public var description: String { text }

    /// Parses `text` and resolves its thresholds on `table`. Errors name what would be accepted.
    public init(parsing text: String, table: BenchmarkTable) throws {
        guard let colon = text.firstIndex(of: ":") else {
            throw DiffusionError.badCondition(text, "expected METRIC:RULE, e.g. cifar10-valid:top5% or lat-pixel3:<=p25")
        }
        let metric = String(text[..<colon]), ruleText = String(text[text.index(after: colon)...]).replacingOccurrences(of: " ", with: "")
        let info: MetricInfo
        do { info = try table.metric(named: metric) } catch {
            throw DiffusionError.badCondition(text, "unknown metric '\(metric)'; the \(table.space) table has: \(table.metrics.map(\.name).joined(separator: ", "))")
        }
        let column = try table.column(metric).filter { $0.isFinite }
        let higherIsBetter = info.direction == .higherIsBetter
        func number(_ s: Substring) throws -> Double {
            guard let v = Double(s), v.isFinite else { throw DiffusionError.badCondition(text, "'\(s)' is not a finite number") }
            return v
        }
        self.metric = metric
        self.text = text
        if ruleText.hasPrefix("top"), ruleText.hasSuffix("%") {
            let p = try number(ruleText.dropFirst(3).dropLast()) / 100
            guard p > 0, p < 1 else { throw DiffusionError.badCondition(text, "top percentage must be in (0, 100)") }
            rule = .top(fraction: p)
            cuts = [quantile(column, higherIsBetter ? 1 - p : p)]
            satisfiedAbove = higherIsBetter
        } else if ruleText.hasPrefix("<=") || ruleText.hasPrefix(">=") {
            let above = ruleText.hasPrefix(">=")
            let rest = ruleText.dropFirst(2)
            if rest.hasPrefix("p") {
                let q = try number(rest.dropFirst()) / 100
                guard q > 0, q < 1 else { throw DiffusionError.badCondition(text, "percentile must be in (0, 100)") }
                rule = above ? .atLeastPercentile(q * 100) : .atMostPercentile(q * 100)
                cuts = [quantile(column, q)]
            } else {
                let v = try number(rest)
                rule = above ? .atLeast(v) : .atMost(v)
                cuts = [v]
            }
            satisfiedAbove = above
        } else if ruleText.hasPrefix("bins") {
            guard let k = Int(ruleText.dropFirst(4)), k >= 2, k <= 20 else {
                throw DiffusionError.badCondition(text, "binsK needs 2 ≤ K ≤ 20")
            }
            rule = .bins(k)
            cuts = (1..<k).map { quantile(column, Double($0) / Double(k)) }
            satisfiedAbove = true
        } else {
            throw DiffusionError.badCondition(text, "unknown rule '\(ruleText)'; use topP%, <=V, >=V, <=pQ, >=pQ or binsK")
        }
        // A class no architecture of the table falls in can be neither learned nor asked for.
        var members = [Int](repeating: 0, count: width)
        for v in column { if let c = classOf(v) { members[c] += 1 } }
        if let empty = members.firstIndex(of: 0) {
            let what = isBins ? "bin \(empty)" : empty == 1 ? "the satisfied class" : "the unsatisfied class"
            throw DiffusionError.badCondition(text, "\(what) holds no architecture of the \(table.space) table (its \(metric) ranges over \(column.min() ?? .nan)…\(column.max() ?? .nan))")
        }
    }

    /// Throws unless every condition names another metric: the same metric twice would be two
    /// one-hot blocks the sampler cannot tell apart.
    public static func requireDistinct(_ conditions: [ConditionSpec]) throws {
        var seen = Set<String>()
        for c in conditions where !seen.insert(c.metric).inserted {
            throw DiffusionError.badOption("--condition \(c.text)", "\(c.metric) is already conditioned on; give each metric once")
        }
    }

    /// The class of a metric value: binary 1 = satisfied; bins 0…k−1 ascending. NaN → nil.
    public func classOf(_ value: Double) -> Int? {
        guard value.isFinite else { return nil }
        if isBins { return cuts.firstIndex(where: { value < $0 }) ?? cuts.count }
        return (satisfiedAbove ? value >= cuts[0] : value <= cuts[0]) ? 1 : 0
    }

    public func isSatisfied(_ value: Double, targetClass: Int) -> Bool { classOf(value) == targetClass }
}

/// numpy's default (linear) quantile.
func quantile(_ values: [Double], _ q: Double) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return .nan }
    let pos = q * Double(s.count - 1)
    let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
}

/// What to ask for at sampling time: a trained condition and the class wanted ("METRIC" = the
/// satisfied class 1 of a binary condition; "METRIC=K" = class K).
public struct ConditionTarget: Sendable, Equatable {
    public let conditionIndex: Int
    public let targetClass: Int
    public let weight: Double

    public init(parsing text: String, conditions: [ConditionSpec], weight: Double) throws {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        let name = parts[0]
        guard let i = conditions.firstIndex(where: { $0.metric == name || $0.text == name }) else {
            throw DiffusionError.badCondition(text, "the checkpoint was trained with conditions: \(conditions.map(\.text).joined(separator: ", ")); name one of their metrics")
        }
        let c = conditions[i]
        var k = 1
        if parts.count == 2 {
            guard let v = Int(parts[1]), v >= 0, v < c.width else {
                throw DiffusionError.badCondition(text, "class must be an integer in 0..<\(c.width) for \(c.text)")
            }
            k = v
        } else if c.width != 2 {
            k = c.width - 1
        }
        conditionIndex = i
        targetClass = k
        self.weight = weight
    }
}

public enum DiffusionError: Error, CustomStringConvertible, Equatable {
    case badCondition(String, String)
    case badOption(String, String)
    case nonFiniteLoss(step: Int, lastCheckpoint: String?)
    case checkpoint(String, String)
    /// A predictor file that cannot be read or is not a predictor.
    case predictorFile(String, String)
    /// A run's stopRequested said to stop (Ctrl-C): not a failure, the caller keeps what finished.
    case stopped

    public var description: String {
        switch self {
        case let .badCondition(t, why): return "condition '\(t)': \(why)"
        case let .badOption(flag, why): return "\(flag): \(why)"
        case let .nonFiniteLoss(step, ckpt):
            return "the loss became NaN or Inf at step \(step); training stopped" + (ckpt.map { ". The last good checkpoint is \($0)" } ?? " before any checkpoint was written") + ". Try a lower --lr."
        case let .checkpoint(path, why): return "checkpoint \(path): \(why)"
        case let .predictorFile(path, why): return "--predictor \(path): \(why)"
        case .stopped: return "stopped on request"
        }
    }
}

extension ConditionSpec {
    /// One row of the y input, the layout training and sampling share: for each condition in order, a
    /// one-hot of its class (all zero: the null condition), then t/T when the model reads the timestep.
    public static func yRow(_ conditions: [ConditionSpec], classes: [Int?], timestep: Float?) -> [Float] {
        var row = [Float](repeating: 0, count: conditions.map(\.width).reduce(0, +) + (timestep == nil ? 0 : 1))
        var col = 0
        for (c, k) in zip(conditions, classes) {
            if let k { row[col + k] = 1 }
            col += c.width
        }
        if let timestep { row[col] = timestep }
        return row
    }
}
