import Foundation

// Sampling's edge path: the two edge linears that feed the attention, the attention itself, and y's
// FiLM of the node output. Unfused they cost a GEMM that writes two pair tensors, a kernel that reads
// them back and a FiLM pass over its node output; on a GPU one kernel (Kernels/edge_attention.cl)
// computes them tile by tile in local memory instead, so the pair tensors are never stored. Training
// keeps the unfused ops: its backward needs e1, the raw scores and the weighted v.

public extension Device {
    /// The sampling path's attention together with its edge inputs and the FiLM of its node output:
    ///   e1 = (e·eMul.weightᵀ + eMul.bias)·pairMask,  e2 likewise with eAdd,
    ///   attentionForward(scores: fe, probs: nil, weightedV: wv, …, film: edgeFilm),
    ///   filmedV = filmForward(wv; nodeFilm).
    /// Overwrites `fe` and `filmedV`. `e1` and `e2` are scratch for the unfused path (the Swift twin,
    /// CPUs, and n that does not divide 64); the fused GPU kernel leaves them untouched, and they may be
    /// empty when `fusesEdgeAttention(n:)` says it runs. `packedWeights`: the weights as
    /// `packEdgeAttentionWeights` left them, for weights that no longer change (sampling); without
    /// it the fused kernel packs them first, one launch more.
    func edgeAttentionForward(fe: View, filmedV: View, e: View, eMul: (weight: View, bias: View), eAdd: (weight: View, bias: View),
                              e1: View, e2: View, q: View, k: View, v: View, nodeMask: View,
                              graphs: Int, n: Int, dim: Int, edgeDim: Int, heads: Int,
                              edgeFilm: (mul: View, add: View), nodeFilm: (mul: View, add: View), packedWeights: View? = nil) throws {
        try edgeAttentionForward(fe: fe, filmedV: filmedV, e: e, eMul: eMul, eAdd: eAdd, e1: e1, e2: e2, q: q, k: k, v: v,
                                 nodeMask: nodeMask, graphs: graphs, n: n, dim: dim, edgeDim: edgeDim, heads: heads,
                                 edgeFilm: edgeFilm, nodeFilm: nodeFilm, packedWeights: packedWeights, fused: nil)
    }

    /// e_mul's and e_add's weights (dim × edgeDim each) packed as the fused kernel reads them, into a
    /// buffer of their own; nil where the fused kernel does not run for graphs of `n` nodes.
    func packEdgeAttentionWeights(eMul: View, eAdd: View, dim: Int, edgeDim: Int, n: Int) throws -> View? {
        guard fusesEdgeAttention(n: n) else { return nil }
        let packed = try makeBuffer(count: packedEdgeWeightsCount(dim: dim, edgeDim: edgeDim)).all
        try packEdgeWeights(into: packed, eMul: eMul, eAdd: eAdd, dim: dim, edgeDim: edgeDim)
        return packed
    }

    /// Whether edgeAttentionForward runs the fused kernel for graphs of `n` nodes on this device (then
    /// sampling workspaces need no e1/e2: 2 × 50 MB per layer set for the dinas preset at 384 graphs).
    func fusesEdgeAttention(n: Int) -> Bool {
        guard let cl else { return false }
        return settings.fusedEdgeAttention && cl.info.isGPU && n > 0 && 64 % n == 0
    }
}


extension Device {
    /// `fused` overrides the choice (tests run the fused kernel on PoCL).
    func edgeAttentionForward(fe: View, filmedV: View, e: View, eMul: (weight: View, bias: View), eAdd: (weight: View, bias: View),
                              e1: View, e2: View, q: View, k: View, v: View, nodeMask: View,
                              graphs: Int, n: Int, dim: Int, edgeDim: Int, heads: Int,
                              edgeFilm: (mul: View, add: View), nodeFilm: (mul: View, add: View), packedWeights: View?,
                              fused: Bool?) throws {
        let op = "edgeAttentionForward", pairs = graphs * n * n
        guard let cl, fused ?? fusesEdgeAttention(n: n) else {
            try linearForward([LinearForwardOperands(out: e1, inp: e, weight: eMul.weight, bias: eMul.bias),
                               LinearForwardOperands(out: e2, inp: e, weight: eAdd.weight, bias: eAdd.bias)],
                              rows: pairs, inDim: edgeDim, outDim: dim, mask: RowMask(nodeMask: nodeMask, n: n, pairs: true))
            try attentionForward(scores: fe, probs: nil, weightedV: filmedV, q: q, k: k, v: v, e1: e1, e2: e2,
                                 nodeMask: nodeMask, graphs: graphs, n: n, dim: dim, heads: heads, film: edgeFilm)
            return try filmForward(out: filmedV, inp: filmedV, mul: nodeFilm.mul, add: nodeFilm.add, graphs: graphs, positions: n, dim: dim)
        }
        let scale = try attentionScale(op, graphs: graphs, n: n, dim: dim, heads: heads)
        try requirePositive(op, ("edgeDim", edgeDim))
        guard 64 % n == 0 else { throw ComputeError.invalidSize(op: op, detail: "the fused kernel needs n dividing 64, got \(n)") }
        for (view, name) in [(q, "q"), (k, "k"), (v, "v"), (filmedV, "filmedV")] { try require(op, view, graphs * n * dim, name) }
        try require(op, fe, pairs * dim, "fe"); try require(op, e, pairs * edgeDim, "e")
        for (w, name) in [(eMul, "eMul"), (eAdd, "eAdd")] {
            try require(op, w.weight, dim * edgeDim, "\(name).weight"); try require(op, w.bias, dim, "\(name).bias")
        }
        for (f, name) in [(edgeFilm, "edgeFilm"), (nodeFilm, "nodeFilm")] {
            try require(op, f.mul, graphs * dim, "\(name).mul"); try require(op, f.add, graphs * dim, "\(name).add")
        }
        try require(op, nodeMask, graphs * n, "nodeMask")

        let blocks = (dim + 31) / 32, tilesM = (pairs + 63) / 64
        let packed: View
        if let packedWeights {
            try require(op, packedWeights, packedEdgeWeightsCount(dim: dim, edgeDim: edgeDim), "packedWeights")
            packed = packedWeights
        } else {
            packed = try LinearScratch.packedEdgeWeights.view(on: self, count: packedEdgeWeightsCount(dim: dim, edgeDim: edgeDim))
            try packEdgeWeights(into: packed, eMul: eMul.weight, eAdd: eAdd.weight, dim: dim, edgeDim: edgeDim)
        }
        let args: [CLArg] = [.view(fe), .view(filmedV), .view(e), .view(packed), .view(eMul.bias), .view(eAdd.bias),
                             .view(q), .view(k), .view(v), .view(nodeMask), .view(edgeFilm.mul), .view(edgeFilm.add),
                             .view(nodeFilm.mul), .view(nodeFilm.add),
                             .int(graphs), .int(n), .int(dim), .int(edgeDim), .int(blocks), .float(scale)]
        if cl.tensorCoreGEMM {
            let threads = cl.tensorCoreThreads
            try cl.launch(.edgeAttentionTc64, args, global: [blocks * threads, tilesM], local: [threads, 1])
        } else {
            try cl.launch(.edgeAttention64, args, global: [blocks * 8, tilesM * 8], local: [8, 8])
        }
    }

    /// Floats of the packed weights: 64 rows (32 channels of e_mul, then of e_add) per 32 channels.
    func packedEdgeWeightsCount(dim: Int, edgeDim: Int) -> Int { (dim + 31) / 32 * 64 * edgeDim }

    func packEdgeWeights(into packed: View, eMul: View, eAdd: View, dim: Int, edgeDim: Int) throws {
        let op = "packEdgeWeights", blocks = (dim + 31) / 32
        guard let cl else { throw ComputeError.invalidSize(op: op, detail: "only the fused OpenCL kernel reads packed weights") }
        try require(op, eMul, dim * edgeDim, "eMul"); try require(op, eAdd, dim * edgeDim, "eAdd")
        try require(op, packed, blocks * 64 * edgeDim, "packed")
        try cl.launch(.packEdgeWeights,
                      [.view(packed), .view(eMul), .view(eAdd), .int(dim), .int(edgeDim), .int(blocks)],
                      global: [blocks * 64 * edgeDim])
    }
}
