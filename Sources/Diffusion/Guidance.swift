import Foundation

// Classifier-free guidance over the trained conditions, and the weights of the command line's
// --guidance, --weight and --predictor-weight.

public enum Guidance: Sendable, Equatable {
    /// DiNAS: logits = (1+w)·f(c) − w·f(∅), all conditions in one conditional pass.
    case joint(weight: Double)
    /// logits = f(∅) + Σ_k (1 + w_k)·(f(c_k) − f(∅)), one pass per condition (weights from the
    /// targets). With one condition this equals joint guidance with the same w.
    case composed

    /// The mode ("joint" or "composed") and the weight of each of `conditions` conditions, from one
    /// weight or a comma-separated list (composed only: one per condition).
    public static func parse(mode: String, weights text: String, conditions: Int) throws -> (Guidance, [Double]) {
        switch mode {
        case "joint":
            let weights = try weightList(text, flag: "--weight")
            guard weights.count == 1 else { throw DiffusionError.badOption("--weight", "joint guidance takes one weight") }
            return (.joint(weight: weights[0]), [Double](repeating: weights[0], count: conditions))
        case "composed":
            return (.composed, try weights(text, flag: "--weight", for: conditions, of: "--condition"))
        default:
            throw DiffusionError.badOption("--guidance \(mode)", "use joint or composed")
        }
    }

    /// One weight for each of `count` predictors, from one λ or a comma-separated list of `count`.
    public static func predictorWeights(_ text: String, count: Int) throws -> [Double] {
        try weights(text, flag: "--predictor-weight", for: count, of: "--predictor")
    }

    /// `count` weights from one, or from a comma-separated list of `count` (one per `item`).
    static func weights(_ text: String, flag: String, for count: Int, of item: String) throws -> [Double] {
        let list = try weightList(text, flag: flag)
        guard list.count == 1 || list.count == count else {
            throw DiffusionError.badOption(flag, "give one weight, or one per \(item) (\(count))")
        }
        return (0..<count).map { list.count == 1 ? list[0] : list[$0] }
    }

    /// Comma-separated finite numbers.
    static func weightList(_ text: String, flag: String) throws -> [Double] {
        try text.split(separator: ",").map {
            guard let w = Double($0.trimmingCharacters(in: .whitespaces)), w.isFinite else {
                throw DiffusionError.badOption(flag, "'\($0)' is not a finite number")
            }
            return w
        }
    }
}
