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
}
