import Compute
import Model

// Builds one training batch on the host: picks the graphs of step s from a seeded per-epoch
// permutation, draws t ~ U{0..T} per graph, drops each condition to null with probability p, noises
// the clean graph with Q̄_t (edges: upper triangle drawn, then mirrored), and writes the one-hot
// inputs and class targets. Every draw comes from (seed, step), so a resumed run sees the same batches.

struct BatchBuilder {
    let data: TrainingSet
    let order: [Int]               // indices into data usable for training
    let options: TrainingOptions
    let conditions: [ConditionSpec]
    let schedule: NoiseSchedule
    let nodeNoise: MarginalTransitions
    let edgeNoise: MarginalTransitions
    let model: ModelConfig

    var stepsPerEpoch: Int { max(1, order.count / options.batch) }

    struct Host {
        var x0: [Float], e0: [Float], y0: [Float], mask: [Float], targetsX: [Float], targetsE: [Float]
        var nodeCount = 0, pairCount = 0
    }

    /// Indices (into `data`) of the graphs in global step `step`.
    func members(step: Int) -> [Int] {
        let epoch = step / stepsPerEpoch, b = step % stepsPerEpoch
        var rng = SplitMix64(options.seed &+ 0x5EED_0000 &+ UInt64(epoch) &* 0x9E37_79B9)
        var perm = order
        perm.shuffle(using: &rng)
        return Array(perm[(b * options.batch)..<((b + 1) * options.batch)])
    }

    /// `fixedT` overrides the random timestep (validation uses a fixed spread of t).
    func build(graphs: [Int], step: Int, dropConditions: Bool, fixedT: [Int]? = nil) -> Host {
        let n = data.n, dX = model.nodeClasses, g = graphs.count, noiser = self.noiser
        var rng = SplitMix64(options.seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(bitPattern: Int64(step)) &+ (dropConditions ? 0 : 0xABCD))
        var h = Host(x0: .init(repeating: 0, count: g * n * dX), e0: .init(repeating: 0, count: g * n * n * 2),
                     y0: .init(repeating: 0, count: g * model.conditionWidth), mask: .init(repeating: 0, count: g * n),
                     targetsX: .init(repeating: -1, count: g * n), targetsE: .init(repeating: -1, count: g * n * n))
        for (b, gi) in graphs.enumerated() {
            let graph = data.graphs[gi]
            let t = fixedT?[b] ?? Int.random(in: 0...schedule.steps, using: &rng)
            // Conditions, each dropped to null with probability p (then t/T) in y.
            let classes: [Int?] = conditions.indices.map { k in
                dropConditions && Double.random(in: 0..<1, using: &rng) < options.nullProbability ? nil : data.conditionClasses[k][gi]
            }
            let y = ConditionSpec.yRow(conditions, classes: classes, timestep: model.timestep ? Float(t) / Float(schedule.steps) : nil)
            h.y0.replaceSubrange((b * model.conditionWidth)..<(b * model.conditionWidth + y.count), with: y)
            noiser.write(graph, t: t, slot: b, into: &h, rng: &rng)
        }
        return h
    }

    var noiser: GraphNoiser {
        GraphNoiser(schedule: schedule, nodeNoise: nodeNoise, edgeNoise: edgeNoise, fixedEdges: options.fixedEdges, nodeClasses: model.nodeClasses)
    }
}

/// The forward process q(G_t | G_0) for one graph, written into a batch's one-hot inputs and
/// targets: each real node's class drawn from row x_0 of Q̄_t; real off-diagonal pairs drawn in the
/// upper triangle and mirrored (or kept, with fixed edges); the diagonal of a real node is "no edge";
/// padded nodes and pairs stay all-zero. Shared by the denoiser's and the predictors' training.
struct GraphNoiser {
    let schedule: NoiseSchedule
    let nodeNoise: MarginalTransitions
    let edgeNoise: MarginalTransitions
    let fixedEdges: Bool
    let nodeClasses: Int

    func write(_ graph: GraphTensors, t: Int, slot b: Int, into h: inout BatchBuilder.Host, rng: inout SplitMix64) {
        let n = graph.n, dX = nodeClasses
        let qx = nodeNoise.cumulative(schedule, t), qe = edgeNoise.cumulative(schedule, t)
        for i in 0..<n where graph.nodes[i] >= 0 {
            let clean = Int(graph.nodes[i])
            h.mask[b * n + i] = 1
            h.targetsX[b * n + i] = Float(clean)
            h.nodeCount += 1
            let z = draw(qx, row: clean, classes: dX, &rng)
            h.x0[(b * n + i) * dX + z] = 1
        }
        for i in 0..<n where graph.nodes[i] >= 0 {
            h.e0[((b * n + i) * n + i) * 2] = 1
            for j in (i + 1)..<max(n, i + 1) where graph.nodes[j] >= 0 {
                let clean = Int(graph.pairs[i * n + j])
                let z = fixedEdges ? clean : draw(qe, row: clean, classes: 2, &rng)
                for (a, c) in [(i, j), (j, i)] {
                    h.e0[((b * n + a) * n + c) * 2 + z] = 1
                    if !fixedEdges { h.targetsE[(b * n + a) * n + c] = Float(clean) }
                }
                if !fixedEdges { h.pairCount += 2 }
            }
        }
    }

    private func draw(_ q: [Float], row: Int, classes d: Int, _ rng: inout SplitMix64) -> Int {
        let u = Float.random(in: 0..<1, using: &rng)
        var acc: Float = 0
        for c in 0..<d {
            acc += q[row * d + c]
            if u < acc { return c }
        }
        return d - 1
    }
}

extension Workspace {
    func upload(_ h: BatchBuilder.Host, device: Device) throws {
        try device.upload(h.x0, to: x0.prefix(h.x0.count))
        try device.upload(h.e0, to: e0.prefix(h.e0.count))
        try device.upload(h.y0, to: y0.prefix(h.y0.count))
        try device.upload(h.mask, to: nodeMask.prefix(h.mask.count))
        try device.upload(h.targetsX, to: targetsX.prefix(h.targetsX.count))
        try device.upload(h.targetsE, to: targetsE.prefix(h.targetsE.count))
    }
}
