import Foundation

// DiGress's cosine schedule exactly as DiNAS codes it (dinas-spec §2.1), in Double:
//   steps = T + 2, x_k = linspace(0, steps, steps)[k]  (spacing steps/(steps−1): a DiGress quirk kept
//   so our tables match the published ones), f_k = cos(½π·(x_k/steps + s)/(1+s))², s = 0.008,
//   β_t = 1 − f_{t+1}/f_t clamped to [0, 0.9999], ᾱ_t = Π_{k≤t} (1 − β_k).

public struct NoiseSchedule: Codable, Sendable, Equatable {
    public let steps: Int
    public let betas: [Double]
    public let alphaBars: [Double]

    public init(steps T: Int) {
        precondition(T >= 1, "T must be ≥ 1")
        let n = T + 2, s = 0.008
        let f: [Double] = (0..<n).map { k in
            let x = Double(n) * Double(k) / Double(n - 1)
            let c = cos(0.5 * Double.pi * (x / Double(n) + s) / (1 + s))
            return c * c
        }
        var betas: [Double] = [], alphaBars: [Double] = []
        var logSum = 0.0
        for t in 0...T {
            let beta = min(max(1 - (f[t + 1] / f[0]) / (f[t] / f[0]), 0), 0.9999)
            betas.append(beta)
            logSum += log(1 - beta)
            alphaBars.append(exp(logSum))
        }
        steps = T
        self.betas = betas
        self.alphaBars = alphaBars
    }
}
