import Compute

// What one sampled batch will do, decided on the host before anything runs on the device: the passes
// (null plus conditional), the visited timesteps, each graph's node count, every step's y rows and
// reverse-step matrices, and the guidance mix. Pure: the same (record, options, batch index) always
// gives the same plan, which the tests read without a device.

struct SamplingPlan {
    /// Forward passes per step: 1 without conditions, 2 for joint guidance, 1 + targets for composed.
    let passes: Int
    /// The visited timesteps, T down to 0; step k goes from times[k] to times[k + 1].
    let times: [Int]
    var stepCount: Int { times.count - 1 }
    /// The batch's seed: one stream per (seed, batch index).
    let seed: UInt64
    /// Nodes of each graph, drawn from the training set's histogram.
    let nodeCounts: [Int]
    /// passes × graphs × n, 1 on a graph's real nodes (the same for every pass).
    let nodeMask: [Float]
    /// stepCount × passes rows of y (conditions, then t/T): pass 0 is the null pass.
    let yRows: [Float]
    /// stepCount blocks of the reverse-step kernel's matrices, nodes then pairs (MarginalTransitions.reverseStepMatrices).
    let matrices: [Float]
    let matrixStride: Int
    /// (a, b) per conditional pass, as Device.reverseStep mixes the passes' logits.
    let mix: [Float]
    /// The support threshold when there is guidance to threshold, else 0.
    let supportThreshold: Float

    init(record: CheckpointRecord, options: SamplingOptions, batchIndex: Int) {
        let b = options.batch, n = record.model.maxNodes
        switch options.guidance {
        case _ where options.targets.isEmpty: passes = 1
        case .joint: passes = 2
        case .composed: passes = 1 + options.targets.count
        }
        times = Sampler.timesteps(total: record.schedule.steps, steps: options.steps ?? record.schedule.steps)
        seed = options.seed &+ UInt64(batchIndex) &* 0x9E37_79B9_7F4A_7C15

        var rng = SplitMix64(seed)
        let hist = record.nodeCountHistogram, totalGraphs = hist.reduce(0, +)
        var counts: [Int] = [], mask = [Float](repeating: 0, count: passes * b * n)
        for g in 0..<b {
            var u = Int.random(in: 0..<max(totalGraphs, 1), using: &rng), m = n
            for (k, h) in hist.enumerated() { if u < h { m = k; break }; u -= h }
            counts.append(m)
            for p in 0..<passes { for i in 0..<m { mask[(p * b + g) * n + i] = 1 } }
        }
        nodeCounts = counts
        nodeMask = mask

        // Pass p > 0 asks for its targets (composed: one each); pass 0 for none.
        let classesOfPass: [[Int?]] = (0..<passes).map { p in
            guard p > 0 else { return record.conditions.map { _ in nil } }
            let active: [ConditionTarget]
            if case .composed = options.guidance { active = [options.targets[p - 1]] } else { active = options.targets }
            return record.conditions.indices.map { ci in active.first { $0.conditionIndex == ci }?.targetClass }
        }
        let xT = MarginalTransitions(marginal: record.nodeMarginal), eT = MarginalTransitions(marginal: record.edgeMarginal)
        var ys: [Float] = [], mats: [Float] = []
        for k in 0..<(times.count - 1) {
            let t = times[k], s = times[k + 1]
            let tOverT: Float? = record.model.timestep ? Float(t) / Float(record.schedule.steps) : nil
            for p in 0..<passes { ys += ConditionSpec.yRow(record.conditions, classes: classesOfPass[p], timestep: tOverT) }
            mats += xT.reverseStepMatrices(record.schedule, from: s, to: t) + eT.reverseStepMatrices(record.schedule, from: s, to: t)
        }
        yRows = ys
        matrices = mats
        matrixStride = 3 * record.model.nodeClasses * record.model.nodeClasses + 3 * 4

        // Joint: (1 + w)·f(c) − w·f(∅). Composed: f(∅)·(1 − Σ(1 + w_k)) + Σ (1 + w_k)·f(c_k), accumulated
        // over the passes.
        var mixValues: [Float] = []
        if passes > 1 {
            switch options.guidance {
            case .joint(let weight): mixValues = [Float(1 + weight), Float(-weight)]
            case .composed:
                let sum = options.targets.reduce(0) { $0 + 1 + $1.weight }
                for (p, target) in options.targets.enumerated() { mixValues += [Float(1 + target.weight), p == 0 ? Float(1 - sum) : 1] }
            }
        }
        mix = mixValues
        supportThreshold = passes > 1 ? options.supportThreshold : 0
    }
}
