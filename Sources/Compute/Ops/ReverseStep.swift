import Foundation

// One reverse step of the discrete diffusion (dinas-spec §5) for every row of a node or pair tensor,
// after the denoiser's forward:
//   guided  = classifier-free guidance of the passes' x0 logits (in logit space),
//   p̂(x0)  = softmax(guided), with the classes the unconditional pass gives < threshold set to 0,
//   p(z_s | z_t) = Σ_a p̂(x0 = a) · Q_t[c, z_t] · Q̄_s[a, c] / Q̄_t[a, z_t], normalised over c (§2.4),
//   z_s     = a categorical draw from it (Philox, keyed by seed, row and stream; Sampling.swift).
// Rows have 2–11 classes, so as separate kernels (axpby, softmax, threshold, posterior, draw, mirror)
// each step was a dozen launches that cost more than their work; Kernels/reverse_step.cl takes one
// row through all of it in one work item.

/// Predictor guidance for one reverse step (Nisonoff et al. 2024, first order): each free row's
/// posterior p(z_s = c) is multiplied by exp(clamp(scale · (g[c] − g[z_t]), ±limit)) and renormalised,
/// where g is the gradient of the predictors' objective with respect to the row's one-hot input.
public struct PredictorGuidanceTerm {
    /// rows × classes: d(objective)/d(one-hot input). For pair rows, row (i, j) and (j, i) are summed.
    public var gradient: View
    /// Node rows: rows × classes of 0/1, the classes each row may take (0: the row's probability
    /// for that class becomes 0). A row with fewer than two allowed classes is left alone. nil: all.
    public var allowed: View?
    public var scale: Float
    /// Bound on |log-weight| per class, so one large gradient cannot zero a whole row.
    public var limit: Float
    public init(gradient: View, allowed: View?, scale: Float, limit: Float) {
        self.gradient = gradient; self.allowed = allowed; self.scale = scale; self.limit = limit
    }
}

public extension Device {
    /// z_s for `rows` rows of `classes` classes into `out`.
    /// * `logits`: `passes` blocks of rows × classes, the unconditional pass first.
    /// * `mix`: 2·(passes − 1) floats, (a_p, b_p) for p = 1 ..< passes: starting from the unconditional
    ///   logits, guided = a_p · logits_p + b_p · guided in turn (joint guidance with weight w is
    ///   a = 1 + w, b = −w).
    /// * `supportThreshold`: with more than one pass, classes whose unconditional probability is below
    ///   it get probability 0 before the posterior (0 keeps all).
    /// * `zt`: the current classes (negative: padding, whose posterior is uniform); `transitions`:
    ///   Q_t, Q̄_s and Q̄_t, row-major classes × classes each, shared by every row.
    /// * `pairNodes` > 0: rows are the (graph, i, j) pairs of graphs of that many nodes; the upper
    ///   triangle draws, row (i, j) with i > j copies (j, i) and the diagonal is class 0. `out` must
    ///   then not overlap `zt`; for node rows (0) it may be `zt` itself.
    /// * `predictorGuidance`, if given: applied to each row's posterior before the draw (padding rows,
    ///   zt < 0, are left alone).
    /// * `posterior`, if given (rows × classes): the distribution each row was drawn from (tests).
    /// A row without mass draws −1; a zt ≥ classes is a caller bug and gives a NaN posterior and −1.
    func reverseStep(out: View, logits: View, passes: Int, mix: View, supportThreshold: Float, zt: View,
                     transitions: View, rows: Int, classes: Int, pairNodes: Int = 0, seed: UInt64, stream: UInt64,
                     predictorGuidance: PredictorGuidanceTerm? = nil, posterior: View? = nil) throws {
        let op = "reverseStep"
        try requirePositive(op, ("rows", rows), ("classes", classes), ("passes", passes))
        try requireSampledClasses(op, classes)
        try require(op, logits, passes * rows * classes, "logits (one rows × classes block per pass)")
        try require(op, mix, 2 * (passes - 1), "mix (a, b per pass after the first)")
        try require(op, zt, rows, "zt")
        try require(op, transitions, 3 * classes * classes, "transitions (Q_t, Q̄_s, Q̄_t)")
        try require(op, out, rows, "out")
        if let posterior { try require(op, posterior, rows * classes, "posterior") }
        if let g = predictorGuidance {
            try require(op, g.gradient, rows * classes, "predictor gradient")
            if let a = g.allowed { try require(op, a, rows * classes, "allowed classes") }
            guard g.scale.isFinite, g.limit.isFinite, g.limit >= 0 else {
                throw ComputeError.invalidSize(op: op, detail: "predictor guidance scale \(g.scale) and limit \(g.limit) must be finite, limit ≥ 0")
            }
        }
        if pairNodes > 0 {
            guard rows % (pairNodes * pairNodes) == 0 else {
                throw ComputeError.invalidSize(op: op, detail: "rows = \(rows) is not a whole number of \(pairNodes)×\(pairNodes) pair blocks")
            }
            if out.buffer === zt.buffer, out.offset < zt.offset + rows, zt.offset < out.offset + rows {
                throw ComputeError.invalidSize(op: op, detail: "out overlaps zt: mirrored pair rows read other rows' zt")
            }
        }
        guard supportThreshold.isFinite, supportThreshold >= 0 else {
            throw ComputeError.invalidSize(op: op, detail: "supportThreshold = \(supportThreshold), must be a finite number ≥ 0")
        }
        if let cl {
            return try cl.launch(.reverseStep, [
                .view(out), .view(logits), .int(passes), .view(mix), .float(supportThreshold), .view(zt), .view(transitions),
                .int(rows), .int(classes), .int(pairNodes),
                .int(bitsAsInt(seed)), .int(bitsAsInt(seed >> 32)), .int(bitsAsInt(stream)), .int(bitsAsInt(stream >> 32)),
                .view(predictorGuidance?.gradient ?? out), .view(predictorGuidance?.allowed ?? predictorGuidance?.gradient ?? out),
                .float(predictorGuidance?.scale ?? 0), .float(predictorGuidance?.limit ?? 0), .int(predictorGuidance == nil ? 0 : 1),
                .view(posterior ?? out), .int(posterior == nil ? 0 : 1),
            ], global: [rows])
        }
        let o = out.ptr, x = logits.ptr, w = mix.ptr, z = zt.ptr, m = transitions.ptr, post = posterior?.ptr
        let guide = predictorGuidance.map { ($0.gradient.ptr, $0.allowed?.ptr, $0.scale, $0.limit) }
        let truncate = passes > 1 && supportThreshold > 0, square = classes * classes
        Parallel.forEach(rows, costPerItem: 8 * square + passes * classes) { r in
            var src = r
            if pairNodes > 0 {
                let n = pairNodes, g = r / (n * n), i = (r / n) % n, j = r % n
                if i == j {
                    o[r] = 0
                    if let post { for c in 0..<classes { post[r * classes + c] = c == 0 ? 1 : 0 } }
                    return
                }
                if i > j { src = g * n * n + j * n + i }
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * classes) { scratch in
                let guided = scratch.baseAddress!, support = guided + classes
                let row = x + src * classes
                for c in 0..<classes { guided[c] = row[c] }
                if truncate {
                    for c in 0..<classes { support[c] = guided[c] }
                    softmaxInPlace(support, classes: classes)
                }
                for p in 1..<passes {
                    let a = w[2 * (p - 1)], b = w[2 * (p - 1) + 1], xp = row + p * rows * classes
                    for c in 0..<classes { guided[c] = a * xp[c] + b * guided[c] }
                }
                softmaxInPlace(guided, classes: classes)
                if truncate { for c in 0..<classes where support[c] < supportThreshold { guided[c] = 0 } }
                posteriorRow(out: support, x0: guided, zt: z[src], qt: m, qsBar: m + square, qtBar: m + 2 * square, classes: classes)
                if let (grad, allowed, scale, limit) = guide, z[src] >= 0, z[src] < Float(classes) {
                    var mirror: Ptr? = nil
                    if pairNodes > 0 {
                        let n = pairNodes, g = src / (n * n), i = (src / n) % n, j = src % n
                        mirror = grad + (g * n * n + j * n + i) * classes
                    }
                    applyPredictorGuidance(support, classes: classes, zt: Int(z[src]), grad: grad + src * classes, mirror: mirror,
                                           allowed: pairNodes > 0 ? nil : allowed.map { $0 + src * classes }, scale: scale, limit: limit,
                                           scratch: guided)
                }
                o[r] = drawClass(support, classes: classes, u: Philox4x32.uniform(seed: seed, row: UInt64(src), stream: stream))
                if let post { for c in 0..<classes { post[r * classes + c] = support[c] } }
            }
        }
    }
}

/// The twin of reverse_step.cl's predictor_guidance_private (see PredictorGuidanceTerm). `scratch`
/// holds `classes` floats.
private func applyPredictorGuidance(_ post: UnsafeMutablePointer<Float>, classes: Int, zt: Int, grad: Ptr, mirror: Ptr?,
                                    allowed: Ptr?, scale: Float, limit: Float, scratch weighted: UnsafeMutablePointer<Float>) {
    var freeClasses = 0
    for c in 0..<classes where allowed == nil || allowed![c] > 0.5 { freeClasses += 1 }
    if freeClasses < 2 { return }
    let base = grad[zt] + (mirror?[zt] ?? 0)
    var total: Float = 0
    for c in 0..<classes {
        if let allowed, !(allowed[c] > 0.5) { weighted[c] = 0; continue }
        let gc = grad[c] + (mirror?[c] ?? 0)
        let logw = min(max(scale * (gc - base), -limit), limit)
        weighted[c] = post[c] * expf(logw)
        total += weighted[c]
    }
    if !(total > 0) { return }
    let inv = 1 / total
    for c in 0..<classes { post[c] = weighted[c] * inv }
}

/// Softmax of p[0..<classes) in place, the max subtracted first so exp cannot overflow.
private func softmaxInPlace(_ p: UnsafeMutablePointer<Float>, classes: Int) {
    var top = p[0]
    for c in 1..<classes { top = max(top, p[c]) }
    var total: Float = 0
    for c in 0..<classes {
        p[c] = expf(p[c] - top)
        total += p[c]
    }
    let scale = 1 / total
    for c in 0..<classes { p[c] *= scale }
}

/// out = p(z_s | z_t = zt) given p̂(x0) = x0, as reverse_step.cl's posterior_private: a zero
/// denominator Q̄_t[a, zt] becomes 1e-6 (as the reference does), padding (zt < 0) and rows without
/// mass are uniform, zt ≥ classes gives NaN.
private func posteriorRow(out: UnsafeMutablePointer<Float>, x0: UnsafePointer<Float>, zt: Float, qt: Ptr, qsBar: Ptr,
                       qtBar: Ptr, classes: Int) {
    if zt < 0 {
        for c in 0..<classes { out[c] = 1 / Float(classes) }
        return
    }
    if !(zt < Float(classes)) {
        for c in 0..<classes { out[c] = .nan }
        return
    }
    let z = Int(zt)
    var total: Float = 0
    for c in 0..<classes {
        var mixed: Float = 0
        for a in 0..<classes {
            var denominator = qtBar[a * classes + z]
            if denominator == 0 { denominator = 1e-6 }
            mixed += (x0[a] / denominator) * qsBar[a * classes + c]
        }
        out[c] = qt[c * classes + z] * mixed
        total += out[c]
    }
    if total == 0 {
        for c in 0..<classes { out[c] = 1 / Float(classes) }
    } else {
        let scale = 1 / total
        for c in 0..<classes { out[c] *= scale }
    }
}
