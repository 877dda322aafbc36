// A sum of linear maps of different inputs into one output, out = Σ_j (inp_j·W_jᵀ + b_j): the global
// features' update takes y, pooled X and pooled E this way. On the GPU these products are latency-bound
// (one row per graph), so every term writes split-K partials into one scratch and a single reduction
// sums them: one launch per term and one in all, where separate layers took a reduction per split
// term and an add per term after the first.

/// One term of `linearSumForward`: inp (rows × inDim) through weight [outDim][inDim] and its bias.
public struct LinearTerm {
    public var inp: View, weight: View, bias: View?, inDim: Int

    public init(inp: View, weight: View, bias: View?, inDim: Int) {
        self.inp = inp; self.weight = weight; self.bias = bias; self.inDim = inDim
    }
}

public extension Device {
    /// out[r, o] = Σ_j (Σ_i terms[j].inp[r, i]·terms[j].weight[o, i] + terms[j].bias[o]). Overwrites `out`.
    func linearSumForward(out: View, terms: [LinearTerm], rows: Int, outDim: Int) throws {
        guard !terms.isEmpty else { throw ComputeError.invalidSize(op: "linearSumForward", detail: "no terms") }
        for t in terms {
            try checkLinearForward(out: out, inp: t.inp, weight: t.weight, bias: t.bias, rows: rows, inDim: t.inDim, outDim: outDim)
        }
        if let cl {
            // The tiled GEMMs on any OpenCL device (GPU-shaped; PoCL runs them too, as the tests do).
            let plans = terms.map { gemmPlan(cl, m: rows, n: outDim, k: $0.inDim) }
            let slices = plans.reduce(0) { $0 + $1.slices }, size = rows * outDim
            let partials = try LinearScratch.shared.view(on: self, count: slices * size)
            var first = 0
            for (t, plan) in zip(terms, plans) {
                try gemmPartialsOnGPU("nt", partials: partials.sub(first * size, plan.slices * size), a: t.inp, b: t.weight,
                                      bias: t.bias, m: rows, n: outDim, k: t.inDim, plan: plan)
                first += plan.slices
            }
            return try splitKReduceOnGPU(c: out, partials: partials, slices: slices, bias: nil, accumulate: false, m: rows, n: outDim)
        }
        // The Swift twin: the separate layers' arithmetic, term by term then added in order, so results
        // are the same bits as linearForward and add.
        try linearForward(out: out, inp: terms[0].inp, weight: terms[0].weight, bias: terms[0].bias,
                          rows: rows, inDim: terms[0].inDim, outDim: outDim)
        guard terms.count > 1 else { return }
        let term = try LinearScratch.shared.view(on: self, count: rows * outDim)
        for t in terms.dropFirst() {
            try linearForward(out: term, inp: t.inp, weight: t.weight, bias: t.bias, rows: rows, inDim: t.inDim, outDim: outDim)
            try add(out: out.sub(0, rows * outDim), out.sub(0, rows * outDim), term)
        }
    }
}
