// A bound on one metric, written as on the command line: "lat-pixel3<=5", "params-cifar10<0.5",
// "cifar10-valid>=90". Used for feasibility ("under 5 ms on a Pixel 3").

import Foundation

public struct MetricConstraint: Codable, Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: String, Codable, Sendable, CaseIterable {
        case lessOrEqual = "<="
        case less = "<"
        case greaterOrEqual = ">="
        case greater = ">"
    }

    public var metric: String
    public var comparison: Comparison
    public var bound: Double

    public init(metric: String, comparison: Comparison, bound: Double) {
        self.metric = metric
        self.comparison = comparison
        self.bound = bound
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var text: String
        public var why: String
        public var description: String {
            "cannot read constraint '\(text)': \(why); write METRIC<=NUMBER (or <, >=, >), e.g. lat-pixel3<=5"
        }
    }

    /// Parses "METRIC<=NUMBER" (also <, >=, >; spaces around the operator are allowed).
    public init(parsing text: String) throws {
        // Two-character operators first, so "<=" is not read as "<" followed by "=5".
        let operators: [Comparison] = [.lessOrEqual, .greaterOrEqual, .less, .greater]
        for op in operators {
            guard let range = text.range(of: op.rawValue) else { continue }
            let name = text[..<range.lowerBound].trimmingSpaces()
            let number = text[range.upperBound...].trimmingSpaces()
            guard !name.isEmpty else { throw ParseError(text: text, why: "no metric name before '\(op.rawValue)'") }
            guard let bound = Double(number), bound.isFinite else {
                throw ParseError(text: text, why: "'\(number)' after '\(op.rawValue)' is not a number")
            }
            self.init(metric: name, comparison: op, bound: bound)
            return
        }
        throw ParseError(text: text, why: "no comparison operator")
    }

    public func isSatisfied(by value: Double) -> Bool {
        switch comparison {
        case .lessOrEqual: return value <= bound
        case .less: return value < bound
        case .greaterOrEqual: return value >= bound
        case .greater: return value > bound
        }
    }

    public var description: String { "\(metric)\(comparison.rawValue)\(formatNumber(bound))" }
}

/// Shortest plain decimal text of a number: 5 → "5", 0.25 → "0.25".
func formatNumber(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return String(x)
}
