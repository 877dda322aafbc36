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
    let device: Device
    let graphs: Int, n: Int, nodeClasses: Int
    /// Node rows × classes, 0/1: where guidance may move a row (RowClassSupport).
    let allowed: Buffer
    /// The summed gradients when there are several predictors.
    let sumX: Buffer?, sumE: Buffer?
    let limit: Float

    init(device: Device, guides: [PredictorGuide], graphs b: Int, nodeCounts: [Int], checkpoint: CheckpointRecord, limit: Float) throws {
        self.device = device
        let n = checkpoint.model.maxNodes, nodeClasses = checkpoint.model.nodeClasses
        graphs = b
        self.n = n
        self.nodeClasses = nodeClasses
        self.limit = limit
        let mask = (0..<b).flatMap { g in (0..<n).map { Float($0 < nodeCounts[g] ? 1 : 0) } }
        members = try guides.map { guide in
            let net = try guide.predictor.network()
            let p = try net.parameters(on: device, values: guide.predictor.parameters)
            let w = try net.makeWorkspace(device: device, capacity: b, training: true)
            try device.upload(mask, to: w.nodeMask.sub(0, mask.count))
            let sign: Double = guide.predictor.record.direction == .higherIsBetter ? 1 : -1
            return Member(net: net, parameters: p, workspace: w, seed: Float(sign * guide.weight))
        }
        // Rows may go where any of the predictors' spaces' valid graphs go (they share one space).
        let support = guides[0].predictor.record.support
        allowed = try device.makeBuffer(support.allowedMask(nodeCounts: nodeCounts, n: n, classes: nodeClasses))
        let rn = b * n, re = b * n * n
        sumX = guides.count > 1 ? try device.makeBuffer(count: rn * nodeClasses) : nil
        sumE = guides.count > 1 && !checkpoint.fixedEdges ? try device.makeBuffer(count: re * 2) : nil
    }

    /// The guidance terms for the node and (unless edges are fixed) pair rows of the current state
    /// (class indices) at step t of T.
    func terms(classesX: View, classesE: View, t: Int, steps T: Int, fixedEdges: Bool) throws
        -> (nodes: PredictorGuidanceTerm, pairs: PredictorGuidanceTerm?) {
        let d = device, rn = graphs * n, re = graphs * n * n
        for (j, m) in members.enumerated() {
            let w = m.workspace
            try d.oneHot(out: w.x0.sub(0, rn * nodeClasses), classes: classesX, rows: rn, classCount: nodeClasses)
            try d.oneHot(out: w.e0.sub(0, re * 2), classes: classesE, rows: re, classCount: 2)
            try d.fill(w.y0.sub(0, graphs), Float(t) / Float(T))
            try m.net.forward(m.parameters, w, graphs: graphs)
            try m.net.zeroGradients(m.parameters, w)
            try d.fill(w.dPrediction!.sub(0, graphs), m.seed)
            try m.net.backward(m.parameters, w, graphs: graphs, inputGradients: true)
            if let sumX {
                if j == 0 { try d.zero(sumX.all); if let sumE { try d.zero(sumE.all) } }
                try d.axpby(sumX.all, w.dX0!.sub(0, rn * nodeClasses), a: 1, b: 1)
                if let sumE { try d.axpby(sumE.all, w.dE0!.sub(0, re * 2), a: 1, b: 1) }
            }
        }
        let first = members[0].workspace
        let gradX = sumX?.all ?? first.dX0!.sub(0, rn * nodeClasses)
        let gradE = sumE?.all ?? first.dE0!.sub(0, re * 2)
        let nodes = PredictorGuidanceTerm(gradient: gradX, allowed: allowed.all, scale: 1, limit: limit)
        return (nodes, fixedEdges ? nil : PredictorGuidanceTerm(gradient: gradE, allowed: nil, scale: 1, limit: limit))
    }
}
