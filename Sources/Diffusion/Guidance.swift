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
        let weights = try weightList(text, flag: "--weight")
        let guidance: Guidance
        switch mode {
        case "joint":
            guard weights.count == 1 else { throw DiffusionError.badOption("--weight", "joint guidance takes one weight") }
            guidance = .joint(weight: weights[0])
        case "composed":
            guard weights.count == 1 || weights.count == conditions else {
                throw DiffusionError.badOption("--weight", "composed guidance takes one weight, or one per --condition (\(conditions))")
            }
            guidance = .composed
        default:
            throw DiffusionError.badOption("--guidance \(mode)", "use joint or composed")
        }
        return (guidance, (0..<conditions).map { weights.count == 1 ? weights[0] : weights[$0] })
    }

    /// One weight for each of `count` predictors, from one λ or a comma-separated list of `count`.
    public static func predictorWeights(_ text: String, count: Int) throws -> [Double] {
        let weights = try weightList(text, flag: "--predictor-weight")
        guard weights.count == 1 || weights.count == count else {
            throw DiffusionError.badOption("--predictor-weight", "give one weight, or one per --predictor (\(count))")
        }
        return (0..<count).map { weights.count == 1 ? weights[0] : weights[$0] }
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
