// Marginal transition matrices (dinas-spec §2.2): Q_t = (1−β_t) I + β_t 1mᵀ and
// Q̄_t = ᾱ_t I + (1−ᾱ_t) 1mᵀ, row-stochastic, Q[i][j] = P(next = j | current = i). Because 1mᵀ is
// idempotent, any product of such matrices is again a·I + (1−a)·1mᵀ with a the product of the a's:
// the exact transition from step s to t > s is Q_{s→t} = (ᾱ_t/ᾱ_s) I + (1 − ᾱ_t/ᾱ_s) 1mᵀ, which is
// what lets the strided sampler jump several steps at once with the same posterior formula.

public struct MarginalTransitions: Codable, Sendable, Equatable {
    /// The limit distribution: class frequencies of the training set.
    public let marginal: [Double]
    public var classes: Int { marginal.count }

    public init(marginal: [Double]) {
        let s = marginal.reduce(0, +)
        self.marginal = marginal.map { $0 / s }
    }

    /// a·I + (1−a)·1mᵀ as a row-major d×d Float matrix.
    public func matrix(keep a: Double) -> [Float] {
        let d = classes
        var q = [Float](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0..<d { q[i * d + j] = Float((1 - a) * marginal[j] + (i == j ? a : 0)) }
        }
        return q
    }

    /// Q̄_t, from the clean graph to step t.
    public func cumulative(_ schedule: NoiseSchedule, _ t: Int) -> [Float] { matrix(keep: schedule.alphaBars[t]) }

    /// Q_{s→t}: from step s to step t > s (one step when s = t − 1).
    public func transition(_ schedule: NoiseSchedule, from s: Int, to t: Int) -> [Float] {
        matrix(keep: schedule.alphaBars[t] / schedule.alphaBars[s])
    }

    /// What the reverse-step kernel reads for the move from t back to s < t: Q_{s→t}, Q̄_s and Q̄_t, one
    /// after the other (the posterior q(z_s | z_t, x_0) needs all three).
    public func reverseStepMatrices(_ schedule: NoiseSchedule, from s: Int, to t: Int) -> [Float] {
        transition(schedule, from: s, to: t) + cumulative(schedule, s) + cumulative(schedule, t)
    }
}
