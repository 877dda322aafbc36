import Foundation

// The DiGress node–edge attention core (dinas-spec §3.4). It is not a dot product: every channel c
// has its own score and its own softmax over the keys j, and the edge features FiLM the scores:
//   scores[g,i,j,c] = q[g,i,c]·k[g,j,c]·s·(e1[g,i,j,c] + 1) + e2[g,i,j,c],  s = 1/sqrt(dim/heads)
//   probs[g,i,j,c]  = softmax over the valid keys j (nodeMask[g,j] ≠ 0) of scores[g,i,·,c]
//   weightedV[g,i,c] = Σ_j probs[g,i,j,c]·v[g,j,c]
// The pair tensors (graphs·n·n, dim) are the largest in the model, so both directions read and
// write each pair element once per pass; the node tensors (graphs·n, dim) are n times smaller.

public extension Device {
    /// Overwrites `scores`, `weightedV` and, when given, `probs`. Pass `probs: nil` when no backward
    /// follows (sampling): the probabilities are then never stored. A query row whose keys are all
    /// masked gets probs 0 and weightedV 0 (the caller masks that row anyway).
    func attentionForward(scores: View, probs: View?, weightedV: View, q: View, k: View, v: View, e1: View, e2: View,
                          nodeMask: View, graphs: Int, n: Int, dim: Int, heads: Int,
                          film: (mul: View, add: View)? = nil) throws {
        let op = "attentionForward"
        if let film {
            guard probs == nil else {
                throw ComputeError.invalidSize(op: op, detail: "film is for the sampling path only: the backward needs the raw scores")
            }
            try require(op, film.mul, graphs * dim, "film.mul"); try require(op, film.add, graphs * dim, "film.add")
        }
        let scale = try attentionScale(op, graphs: graphs, n: n, dim: dim, heads: heads)
        let nodes = graphs * n * dim, pairs = graphs * n * n * dim
        for (view, name) in [(q, "q"), (k, "k"), (v, "v"), (weightedV, "weightedV")] { try require(op, view, nodes, name) }
        for (view, name) in [(e1, "e1"), (e2, "e2"), (scores, "scores")] { try require(op, view, pairs, name) }
        if let probs { try require(op, probs, pairs, "probs") }
        try require(op, nodeMask, graphs * n, "nodeMask")

        if let cl {
            let inputs: [CLArg] = [.view(q), .view(k), .view(v), .view(e1), .view(e2), .view(nodeMask),
                                   .int(graphs), .int(n), .int(dim), .float(scale)]
            if let probs {
                return try cl.launch(.attentionForwardProbs,
                                     [.view(scores), .view(probs), .view(weightedV)] + inputs, global: [dim, graphs * n])
            }
            return try cl.launch(.attentionForward,
                                 [.view(scores), .view(weightedV)] + inputs
                                    + [.view(film?.mul ?? q), .view(film?.add ?? q), .int(film == nil ? 0 : 1)],
                                 global: [dim, graphs * n])
        }

        let S = scores.ptr, P = probs?.ptr, WV = weightedV.ptr
        let Q = q.ptr, K = k.ptr, V = v.ptr, E1 = e1.ptr, E2 = e2.ptr, mask = nodeMask.ptr
        // The twin calls expf per element, the reference; the CPU path takes e^x eight at a time.
        let vectorExp = backend == .cpu
        // One task per query row (g, i); the inner loops run over contiguous channels.
        Parallel.forEach(graphs * n, costPerItem: 6 * n * dim) { row in
            let g = row / n
            let qi = Q + row * dim
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * dim) { scratch in
                let top = Ptr(scratch.baseAddress!), total = top + dim, acc = total + dim
                for c in 0..<dim { top[c] = -.infinity; total[c] = 0; acc[c] = 0 }
                // Pass 1: every score (the edge path needs the masked ones too), max over valid keys.
                for j in 0..<n {
                    let pair = (row * n + j) * dim
                    let kj = K + (g * n + j) * dim, s = S + pair, a = E1 + pair, b = E2 + pair
                    for c in 0..<dim { s[c] = qi[c] * kj[c] * scale * (a[c] + 1) + b[c] }
                    if mask[g * n + j] != 0 { for c in 0..<dim { top[c] = max(top[c], s[c]) } }
                }
                // Pass 2: exponentials, their sum, and the unnormalised weighted sum of v.
                for j in 0..<n {
                    let pair = (row * n + j) * dim
                    let valid = mask[g * n + j] != 0
                    if !valid {
                        if let P { (P + pair).p.update(repeating: 0, count: dim) }
                        continue
                    }
                    let s = S + pair, vj = V + (g * n + j) * dim, p = P.map { $0 + pair }
                    var c = 0
                    if vectorExp {
                        while c + 8 <= dim {
                            let e = VectorExp.exp(s.lanes(c) - top.lanes(c))
                            p?.setLanes(c, e)
                            total.setLanes(c, total.lanes(c) + e); acc.setLanes(c, acc.lanes(c) + e * vj.lanes(c))
                            c += 8
                        }
                    }
                    while c < dim {
                        let e = expf(s[c] - top[c])
                        p?[c] = e; total[c] += e; acc[c] += e * vj[c]
                        c += 1
                    }
                }
                // Pass 3: normalise. No valid key means total = 0: probs and weightedV stay 0.
                for c in 0..<dim { total[c] = total[c] > 0 ? 1 / total[c] : 0 }
                let wv = WV + row * dim
                for c in 0..<dim { wv[c] = acc[c] * total[c] }
                if let P {
                    for j in 0..<n {
                        let p = P + (row * n + j) * dim
                        for c in 0..<dim { p[c] *= total[c] }
                    }
                }
            }
        }
        if let film {   // the kernel stores FiLM'd scores directly; the twin does it in a second pass
            try filmForward(out: scores, inp: scores, mul: film.mul, add: film.add, graphs: graphs, positions: n * n, dim: dim)
        }
    }

    /// Adds into dq, dk, dv, de1, de2. `dscores` is the gradient reaching `scores` straight from the
    /// edge path; `dweightedV` the one reaching `weightedV`. With dprobs[i,j] = dweightedV[i]·v[j]:
    ///   dY[i,j] = dscores + probs·(dprobs − Σ_j' probs·dprobs) = dscores + probs·dweightedV[i]·(v[j] − Σ_j' probs·v[j'])
    /// then dv[j] += Σ_i probs·dweightedV[i], de2 += dY, de1 += dY·q_i·k_j·s,
    /// dq[i] += Σ_j dY·(e1+1)·k_j·s, dk[j] += Σ_i dY·(e1+1)·q_i·s.
    /// Masked keys need no special case: their probs are 0. With `maskInputGradients` (the model's
    /// q, k, v are node-masked and e1, e2 pair-masked outputs of linears) each contribution is
    /// multiplied by its row's padding mask as well: dq by mask[i], dk and dv by mask[j], de1 and de2
    /// by mask[i]·mask[j] — the backward of those masks, without a pass over the five tensors each.
    func attentionBackward(dq: View, dk: View, dv: View, de1: View, de2: View, dscores: View, dweightedV: View,
                           q: View, k: View, v: View, e1: View, probs: View, nodeMask: View,
                           graphs: Int, n: Int, dim: Int, heads: Int, maskInputGradients: Bool = false) throws {
        let op = "attentionBackward"
        let scale = try attentionScale(op, graphs: graphs, n: n, dim: dim, heads: heads)
        let nodes = graphs * n * dim, pairs = graphs * n * n * dim
        for (view, name) in [(dq, "dq"), (dk, "dk"), (dv, "dv"), (dweightedV, "dweightedV"), (q, "q"), (k, "k"), (v, "v")] {
            try require(op, view, nodes, name)
        }
        for (view, name) in [(de1, "de1"), (de2, "de2"), (dscores, "dscores"), (e1, "e1"), (probs, "probs")] {
            try require(op, view, pairs, name)
        }
        try require(op, nodeMask, graphs * n, "nodeMask")

        if let cl {
            return try cl.launch(.attentionBackward,
                                 [.view(dq), .view(dk), .view(dv), .view(de1), .view(de2), .view(dscores), .view(dweightedV),
                                  .view(q), .view(k), .view(v), .view(e1), .view(probs), .view(nodeMask),
                                  .int(graphs), .int(n), .int(dim), .float(scale), .int(maskInputGradients ? 1 : 0)],
                                 global: [dim, graphs])
        }

        let DQ = dq.ptr, DK = dk.ptr, DV = dv.ptr, DE1 = de1.ptr, DE2 = de2.ptr, DS = dscores.ptr, DWV = dweightedV.ptr
        let Q = q.ptr, K = k.ptr, V = v.ptr, E1 = e1.ptr, P = probs.ptr, M = nodeMask.ptr
        // One task per graph: dk and dv sum over the queries i, so tasks split by (g, i) would race.
        // Graphs come by the hundred in a training batch, which is plenty of parallelism.
        Parallel.forEach(graphs, costPerItem: 12 * n * n * dim) { g in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * dim) { scratch in
                let expectedV = Ptr(scratch.baseAddress!), dqSum = expectedV + dim
                for i in 0..<n {
                    let row = g * n + i
                    let qi = Q + row * dim, dwv = DWV + row * dim
                    let mi = maskInputGradients ? M[row] : 1
                    // Σ_j probs·v: the softmax Jacobian's mean term, per channel.
                    for c in 0..<dim { expectedV[c] = 0; dqSum[c] = 0 }
                    for j in 0..<n {
                        let p = P + (row * n + j) * dim, vj = V + (g * n + j) * dim
                        for c in 0..<dim { expectedV[c] += p[c] * vj[c] }
                    }
                    for j in 0..<n {
                        let pair = (row * n + j) * dim, node = (g * n + j) * dim
                        let p = P + pair, ds = DS + pair, a = E1 + pair, da = DE1 + pair, db = DE2 + pair
                        let kj = K + node, vj = V + node, dkj = DK + node, dvj = DV + node
                        let mj = maskInputGradients ? M[g * n + j] : 1, mij = mi * mj
                        for c in 0..<dim {
                            let dy = ds[c] + p[c] * dwv[c] * (vj[c] - expectedV[c])
                            let qs = qi[c] * scale
                            db[c] += dy * mij
                            da[c] += dy * qs * kj[c] * mij
                            let film = dy * (a[c] + 1)
                            dqSum[c] += film * kj[c]
                            dkj[c] += film * qs * mj
                            dvj[c] += p[c] * dwv[c] * mj
                        }
                    }
                    let dqi = DQ + row * dim
                    for c in 0..<dim { dqi[c] += dqSum[c] * scale * mi }
                }
            }
        }
    }
}

/// Validates the shape arguments shared by both directions and returns s = 1/sqrt(dim/heads).
func attentionScale(_ op: String, graphs: Int, n: Int, dim: Int, heads: Int) throws -> Float {
    try requirePositive(op, ("graphs", graphs), ("n", n), ("dim", dim), ("heads", heads))
    guard dim % heads == 0 else {
        throw ComputeError.invalidSize(op: op, detail: "dim \(dim) is not a multiple of heads \(heads)")
    }
    return 1 / Float(dim / heads).squareRoot()
}
