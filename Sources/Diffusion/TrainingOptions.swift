// Everything that decides a training run besides the data. Stored in the checkpoint so a resumed run
// continues with the same settings.

public struct TrainingOptions: Codable, Sendable, Equatable {
    public var preset = "small"
    public var batch = 64
    public var steps = 2000
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-12
    public var amsgrad = true
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// λ in L = CE(X) + λ·CE(E) (DiNAS: 5).
    public var edgeWeight: Float = 5
    /// Probability that each condition is independently replaced by the null token.
    public var nullProbability = 0.1
    public var diffusionSteps = 500
    public var seed: UInt64 = 0
    public var timestep = true
    public var fixedEdges = false
    public var checkpointEvery = 500
    public var validateEvery = 250
    public var validationFraction = 0.01

    public init() {}

    /// Throws for a setting that would crash a run or silently train nonsense (a NaN or negative learning
    /// rate, a negative edge-loss weight, a null probability above 1), naming the command-line flag.
    public func validate() throws {
        func check(_ ok: Bool, _ flag: String, _ value: Any, _ rule: String) throws {
            if !ok { throw DiffusionError.badOption("\(flag) \(value)", rule) }
        }
        try check(batch > 0, "--batch", batch, "must be at least 1")
        try check(steps >= 0, "--steps", steps, "must not be negative")
        try check(diffusionSteps > 0 && diffusionSteps <= CheckpointRecord.maxDiffusionSteps, "--diffusion-steps", diffusionSteps,
                  "must be in 1…\(CheckpointRecord.maxDiffusionSteps)")
        try check(batch <= 65_536, "--batch", batch, "must be at most 65,536")
        try check(learningRate.isFinite && learningRate > 0, "--lr", learningRate, "must be a positive number")
        try check(weightDecay.isFinite && weightDecay >= 0, "weight decay", weightDecay, "must be a number ≥ 0")
        try check(beta1 >= 0 && beta1 < 1, "beta1", beta1, "must be in [0, 1)")
        try check(beta2 >= 0 && beta2 < 1, "beta2", beta2, "must be in [0, 1)")
        try check(epsilon.isFinite && epsilon > 0, "epsilon", epsilon, "must be a positive number")
        try check(edgeWeight.isFinite && edgeWeight >= 0, "--edge-weight", edgeWeight, "must be a number ≥ 0")
        try check(nullProbability >= 0 && nullProbability <= 1, "--null-probability", nullProbability, "must be in [0, 1]")
        try check(checkpointEvery > 0, "--checkpoint-every", checkpointEvery, "must be at least 1")
        try check(validateEvery > 0, "--validate-every", validateEvery, "must be at least 1")
        try check(validationFraction >= 0 && validationFraction < 1, "validation fraction", validationFraction, "must be in [0, 1)")
    }
}
