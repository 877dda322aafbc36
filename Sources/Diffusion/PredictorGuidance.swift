import Foundation
import Compute
import Model
import SearchSpaces

// Predictor guidance inside the discrete sampler (DiGress's regressor guidance; Nisonoff et al. 2024):
// at each reverse step, every predictor reads the current noisy graph G_t and t/T, and the gradient
// of the objective Σ_j λ_j·s_j·Σ_graphs f_j(G_t) (s_j = +1 to maximise, −1 to minimise; summed over
// the batch, so λ does not depend on the batch size) with respect to the one-hot inputs becomes, in
// the reverse-step kernel, a per-row, per-class weight exp(g[c] − g[z_t]) on the posterior. All of it
// stays on the device: no tensor comes back to the host inside the step loop.

/// How a row's log-weight for class c is found.
public enum PredictorGuidanceMode: String, Sendable, CaseIterable {
    /// λ·(∂f/∂x[c] − ∂f/∂x[z_t]) from one forward and backward per step (DiGress; Nisonoff et al.'s
    /// first-order approximation).
    case firstOrder = "first-order"
    /// λ·(f(G with the row set to c) − f(G)), every single-row change of every graph scored in one
    /// batched forward per step (Nisonoff et al.'s exact ratio for one-row moves). Node rows only, so
    /// for spaces whose edges are fixed (nb201, transnas-micro).
    case exact
}

/// A predictor and its guidance weight λ (in standardised units of its metric).
public struct PredictorGuide: Sendable {
    public var predictor: Predictor
    public var weight: Double
    public init(predictor: Predictor, weight: Double) { self.predictor = predictor; self.weight = weight }
}

final class PredictorGuidance {
    struct Member {
        let net: GraphTransformer
        let parameters: Parameters
        let workspace: Workspace
        /// d(objective)/d(prediction) of every graph: λ·s.
        let seed: Float
    }
    let members: [Member]
    let mode: PredictorGuidanceMode
    let device: Device
    let graphs: Int, n: Int, nodeClasses: Int
    /// Node rows × classes, 0/1: where guidance may move a row (RowClassSupport).
    let allowed: Buffer
    /// The summed gradients when there are several predictors.
    let sumX: Buffer?, sumE: Buffer?
    let limit: Float

    /// Exact mode: the single-row variants (graph, row, class as Float), where each one's score goes in
    /// the rows × classes score table, their count, and that table.
    let variants: (graph: Buffer, row: Buffer, cls: Buffer, target: Buffer, count: Int, scores: Buffer)?

    /// `classesE`: the pair state, which exact mode reads once (it requires fixed edges).
    init(device: Device, guides: [PredictorGuide], mode: PredictorGuidanceMode, graphs b: Int, nodeCounts: [Int],
         checkpoint: CheckpointRecord, classesE: View, limit: Float) throws {
        let n = checkpoint.model.maxNodes, nodeClasses = checkpoint.model.nodeClasses
        if mode == .exact, !checkpoint.fixedEdges {
            throw DiffusionError.badOption("--predictor-guidance exact", "scores single node changes only; this checkpoint diffuses edges too (use first-order)")
        }
        self.device = device
        graphs = b
        self.n = n
        self.nodeClasses = nodeClasses
        self.limit = limit
        self.mode = mode
        // Rows may go where the space's valid graphs go (all predictors share the checkpoint's space).
        let allowedMask = guides[0].predictor.record.support.allowedMask(nodeCounts: nodeCounts, n: n, classes: nodeClasses)
        allowed = try device.makeBuffer(allowedMask)
        var list: (graph: [Float], row: [Float], cls: [Float], target: [Float]) = ([], [], [], [])
        if mode == .exact {
            for g in 0..<b {
                for i in 0..<nodeCounts[g] {
                    let classes = (0..<nodeClasses).filter { allowedMask[(g * n + i) * nodeClasses + $0] > 0.5 }
                    guard classes.count >= 2 else { continue }
                    for c in classes {
                        list.graph.append(Float(g)); list.row.append(Float(i)); list.cls.append(Float(c))
                        list.target.append(Float((g * n + i) * nodeClasses + c))
                    }
                }
            }
            guard !list.graph.isEmpty else { throw DiffusionError.badOption("--predictor-guidance exact", "no row of these graphs can change class") }
        }
        let capacity = mode == .exact ? list.graph.count : b
        let graphOf = mode == .exact ? list.graph.map { Int($0) } : Array(0..<b)
        let mask = graphOf.flatMap { g in (0..<n).map { Float($0 < nodeCounts[g] ? 1 : 0) } }
        members = try guides.map { guide in
            let net = try guide.predictor.network()
            let p = try net.parameters(on: device, values: guide.predictor.parameters)
            p.parameterGradients = false   // guidance needs d/dinput only
            let w = try net.makeWorkspace(device: device, capacity: capacity, training: mode == .firstOrder)
            try device.upload(mask, to: w.nodeMask.prefix(mask.count))
            let sign: Double = guide.predictor.record.direction == .higherIsBetter ? 1 : -1
            return Member(net: net, parameters: p, workspace: w, seed: Float(sign * guide.weight))
        }
        let rn = b * n, re = b * n * n
        if mode == .exact {
            let v = list.graph.count
            let graph = try device.makeBuffer(list.graph), noRow = try device.makeBuffer([Float](repeating: -1, count: v))
            // The pairs are fixed: each variant's pair one-hots once, for good.
            for m in members {
                try device.oneHotVariants(out: m.workspace.e0.rows(v * n * n), classes: classesE, graph: graph.all, row: noRow.all,
                                          cls: noRow.all, variants: v, n: n * n, classCount: 2)
            }
            variants = (graph, try device.makeBuffer(list.row), try device.makeBuffer(list.cls), try device.makeBuffer(list.target), v,
                        try device.makeBuffer([Float](repeating: 0, count: rn * nodeClasses)))
        } else {
            variants = nil
        }
        sumX = mode == .firstOrder && guides.count > 1 ? try device.makeBuffer(count: rn * nodeClasses) : nil
        sumE = mode == .firstOrder && guides.count > 1 && !checkpoint.fixedEdges ? try device.makeBuffer(count: re * 2) : nil
    }

    /// Exact mode: every variant scored, λ·s·f scattered into the score table (rows that cannot move
    /// keep 0, which the kernel leaves alone).
    private func exactTerm(classesX: View, t: Int, steps T: Int) throws -> PredictorGuidanceTerm {
        let d = device, v = variants!
        for (j, m) in members.enumerated() {
            let w = m.workspace
            try d.oneHotVariants(out: w.x0.rows(v.count * n), classes: classesX, graph: v.graph.all, row: v.row.all,
                                 cls: v.cls.all, variants: v.count, n: n, classCount: nodeClasses)
            try d.fill(w.y0.rows(v.count), Float(t) / Float(T))
            try m.net.forward(m.parameters, w, graphs: v.count)
            try d.scatter(out: v.scores.all, values: w.prediction.rows(v.count), index: v.target.all, count: v.count, scale: m.seed,
                          accumulate: j > 0)
        }
        return PredictorGuidanceTerm(gradient: v.scores.all, allowed: allowed.all, scale: 1, limit: limit)
    }

    /// The guidance terms for the node and (unless edges are fixed) pair rows of the current state
    /// (class indices) at step t of T.
    func terms(classesX: View, classesE: View, t: Int, steps T: Int, fixedEdges: Bool) throws
        -> (nodes: PredictorGuidanceTerm, pairs: PredictorGuidanceTerm?) {
        if mode == .exact { return (try exactTerm(classesX: classesX, t: t, steps: T), nil) }
        let d = device, rn = graphs * n, re = graphs * n * n
        for (j, m) in members.enumerated() {
            let w = m.workspace
            try d.oneHot(out: w.x0.rows(rn), classes: classesX, rows: rn, classCount: nodeClasses)
            try d.oneHot(out: w.e0.rows(re), classes: classesE, rows: re, classCount: 2)
            try d.fill(w.y0.rows(graphs), Float(t) / Float(T))
            try m.net.forward(m.parameters, w, graphs: graphs)
            try m.net.zeroGradients(m.parameters, w)
            try d.fill(w.dPrediction!.rows(graphs), m.seed)
            try m.net.backward(m.parameters, w, graphs: graphs, inputGradients: true)
            if let sumX {
                if j == 0 { try d.zero(sumX.all); if let sumE { try d.zero(sumE.all) } }
                try d.axpby(sumX.all, w.dX0!.rows(rn), a: 1, b: 1)
                if let sumE { try d.axpby(sumE.all, w.dE0!.rows(re), a: 1, b: 1) }
            }
        }
        let first = members[0].workspace
        let gradX = sumX?.all ?? first.dX0!.rows(rn)
        let gradE = sumE?.all ?? first.dE0!.rows(re)
        let nodes = PredictorGuidanceTerm(gradient: gradX, allowed: allowed.all, scale: 1, limit: limit)
        return (nodes, fixedEdges ? nil : PredictorGuidanceTerm(gradient: gradE, allowed: nil, scale: 1, limit: limit))
    }
}
