import Foundation

// AdamW with torch.optim.AdamW's exact update (dinas-spec §4.3: lr 2e-4, amsgrad, weight decay 1e-12),
// in the same operation order as PyTorch's single-tensor path so fp32 results agree to rounding:
//   p ← p·(1 − lr·wd)                       decoupled weight decay, applied before the Adam step
//   m ← lerp(m, g, 1 − β1)                  torch.lerp_ (see `torchLerp` below)
//   v ← v·β2 + (1 − β2)·g²
//   v̂ ← max(v̂, v)                           amsgrad only; the running max is of the uncorrected v
//   denom = sqrt(v or v̂) / sqrt(1 − β2^t) + eps
//   p ← p − (lr / (1 − β1^t)) · m / denom
// The scalars (bias corrections, 1 − β, 1 − lr·wd) are formed on the host in Double from the hyperparameters'
// decimal values, as Python does for torch, and rounded to Float once.

public extension Device {
    /// One AdamW step over every element of `params` (`step` counts from 1). Pass `vMax` to get
    /// amsgrad (it holds the running max of v). m, v and vMax must start at zero (new buffers are
    /// zeroed on every backend).
    func adamW(params: View, grads: View, m: View, v: View, vMax: View?, lr: Float, beta1: Float, beta2: Float,
               eps: Float, weightDecay: Float, step: Int) throws {
        let op = "adamW", n = params.count
        try requirePositive(op, ("step", step))
        try require(op, grads, n, "grads"); try require(op, m, n, "m"); try require(op, v, n, "v")
        if let vMax { try require(op, vMax, n, "vMax") }
        let lrD = decimal(lr), beta1D = decimal(beta1), beta2D = decimal(beta2)
        let decay = Float(1 - lrD * decimal(weightDecay))
        let stepSize = Float(lrD / (1 - pow(beta1D, Double(step))))
        let correction2Sqrt = Float((1 - pow(beta2D, Double(step))).squareRoot())
        let mWeight = Float(1 - beta1D), vWeight = Float(1 - beta2D)
        if let cl {
            // Without amsgrad the kernel gets `v` as a stand-in for vMax and never touches it.
            return try cl.launch(.adamw, [
                .view(params), .view(grads), .view(m), .view(v), .view(vMax ?? v), .int(vMax == nil ? 0 : 1),
                .float(decay), .float(mWeight), .float(beta2), .float(vWeight), .float(stepSize),
                .float(correction2Sqrt), .float(eps), .int(n),
            ], global: [n])
        }
        let p = params.ptr, g = grads.ptr, mp = m.ptr, vp = v.ptr, vm = vMax?.ptr
        let lowWeight = abs(mWeight) < 0.5
        // Eight elements at a time as SIMD8 (the compiler does not vectorise the scalar loop: five
        // pointers that may alias), then the scalar tail; each element gets the same operations in
        // the same order either way, so results do not depend on the split.
        @Sendable @inline(__always) func update8(_ i: Int) {
            let gi = g.lanes(i), mOld = mp.lanes(i)
            let mi = lowWeight ? mOld + mWeight * (gi - mOld) : gi - (gi - mOld) * (1 - mWeight)
            let vi = vp.lanes(i) * beta2 + vWeight * (gi * gi)
            mp.setLanes(i, mi); vp.setLanes(i, vi)
            var second = vi
            if let vm {
                let old = vm.lanes(i)
                second = old.replacing(with: vi, where: vi .>= old)
                vm.setLanes(i, second)
            }
            let denom = second.squareRoot() / correction2Sqrt + eps
            p.setLanes(i, p.lanes(i) * decay + -stepSize * (mi / denom))
        }
        @Sendable @inline(__always) func update(_ i: Int) {
            p[i] *= decay
            let gi = g[i]
            let mi = torchLerp(mp[i], gi, mWeight, lowWeight: lowWeight)
            let vi = vp[i] * beta2 + vWeight * (gi * gi)
            mp[i] = mi
            vp[i] = vi
            var second = vi
            if let vm {
                second = max(vm[i], vi)
                vm[i] = second
            }
            let denom = second.squareRoot() / correction2Sqrt + eps
            p[i] = p[i] + -stepSize * (mi / denom)
        }
        Parallel.forChunks(n, costPerItem: 16) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound { update8(i); i += 8 }
            while i < range.upperBound { update(i); i += 1 }
        }
    }
}

/// The decimal a Float hyperparameter was written as (0.999 rather than 0.99900001287). PyTorch keeps
/// hyperparameters as Python doubles and forms 1 − β in double; doing 1 − β in Float instead would
/// make 1 − 0.999 off by 1.3e-5 relative, and v with it.
private func decimal(_ x: Float) -> Double { Double(x.description) ?? Double(x) }

/// torch.lerp's formula: start + w·(end − start) for |w| < 0.5 (`lowWeight`), else end − (end − start)·(1 − w);
/// the two branches keep the result exact at w = 0 and w = 1.
@inline(__always)
private func torchLerp(_ start: Float, _ end: Float, _ weight: Float, lowWeight: Bool) -> Float {
    lowWeight ? start + weight * (end - start) : end - (end - start) * (1 - weight)
}
