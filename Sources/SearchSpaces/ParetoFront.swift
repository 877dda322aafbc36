// The 2-D Pareto front of a cost to minimise (latency) against a value to maximise (accuracy), and
// the area it dominates (hypervolume) up to a reference point.

/// One architecture on the trade-off plane: its benchmark table row and, in reports, its key.
public struct TradeOffPoint: Codable, Sendable, Hashable {
    public var cost: Double
    public var value: Double
    public var row: Int
    public var key: String?

    public init(cost: Double, value: Double, row: Int, key: String? = nil) {
        self.cost = cost
        self.value = value
        self.row = row
        self.key = key
    }
}

public enum ParetoFront {
    /// The non-dominated points, sorted by cost (ascending; values then ascend too). A point is
    /// dominated when another has cost ≤ and value ≥ with one of them strict. Of several identical
    /// points, the first one given is kept.
    public static func front(of points: [TradeOffPoint]) -> [TradeOffPoint] {
        let order = points.indices.sorted { a, b in
            let p = points[a], q = points[b]
            if p.cost != q.cost { return p.cost < q.cost }
            if p.value != q.value { return p.value > q.value }
            return a < b
        }
        var result: [TradeOffPoint] = []
        var bestValue = -Double.infinity
        for i in order where points[i].value > bestValue {
            result.append(points[i])
            bestValue = points[i].value
        }
        return result
    }

    /// Area dominated by the points and bounded by the reference point (cost `referenceCost` or
    /// less, value `referenceValue` or more): the union of the rectangles
    /// [cost, referenceCost] × [referenceValue, value]. Points beyond the reference add nothing.
    public static func hypervolume(of points: [TradeOffPoint], referenceCost: Double, referenceValue: Double) -> Double {
        let inside = front(of: points).filter { $0.cost < referenceCost && $0.value > referenceValue }
        // Sweep up in value: between the previous point's value and this one's, the dominated
        // region spans from this point's cost (the smallest cost reaching that high) to the reference.
        var area = 0.0
        var previousValue = referenceValue
        for p in inside {
            area += (referenceCost - p.cost) * (p.value - previousValue)
            previousValue = p.value
        }
        return area
    }
}
