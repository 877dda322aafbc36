// LayerNorm over the last axis, as in the transformer layers (dinas-spec §3.3: post-LN, eps 1e-5,
// affine). PyTorch semantics: biased variance; the forward saves mean and rstd = 1/sqrt(var + eps)
// per row so the backward need not recompute them. Variance is two-pass, Σ(x − mean)², so rows
// with a large mean and a small spread keep their precision.

let layerNormEpsilon: Float = 1e-5

public extension Device {
    /// out[r,:] = (inp[r,:] − mean[r]) · rstd[r] · gamma + beta; saves mean[r] and rstd[r].
    /// `out` must not overlap `inp`: the backward needs the input.
    func layerNormForward(out: View, mean: View, rstd: View, inp: View, gamma: View, beta: View,
                          rows: Int, dim: Int) throws {
        try layerNormForward(out: out, mean: mean, rstd: rstd, inp: inp, gamma: gamma, beta: beta,
                             rows: rows, dim: dim, groupPerRow: isGPU)
    }

    /// The post-LN residual block: sum = a + b (for the backward, which takes it as `inp`),
    /// out = LayerNorm(sum)·mask(row) (mask nil: 1). One kernel on a GPU instead of add, LayerNorm and
    /// mask, which stores `sum` only when `keepSum` (sampling needs no backward); the same three ops
    /// elsewhere, which always store it.
    func addLayerNormForward(out: View, mean: View, rstd: View, sum: View, a: View, b: View, gamma: View, beta: View,
                             rows: Int, dim: Int, mask: RowMask? = nil, keepSum: Bool = true) throws {
        try addLayerNormForward(out: out, mean: mean, rstd: rstd, sum: sum, a: a, b: b, gamma: gamma, beta: beta,
                                rows: rows, dim: dim, mask: mask, keepSum: keepSum, groupPerRow: isGPU)
    }

    /// dinp += ∂L/∂inp, dgamma += Σ_rows dout·x̂, dbeta += Σ_rows dout, from the saved mean/rstd
    /// (without dgamma and dbeta: the input gradient only).
    func layerNormBackward(dinp: View, dgamma: View?, dbeta: View?, dout: View, inp: View, mean: View, rstd: View,
                           gamma: View, rows: Int, dim: Int) throws {
        try layerNormBackward(dinp: dinp, dgamma: dgamma, dbeta: dbeta, dout: dout, inp: inp, mean: mean, rstd: rstd,
                              gamma: gamma, rows: rows, dim: dim, groupPerRow: isGPU)
    }
}

extension Device {
    /// `groupPerRow` picks the GPU-shaped kernels (a work-group per row); tests run both shapes on PoCL.
    func layerNormForward(out: View, mean: View, rstd: View, inp: View, gamma: View, beta: View,
                          rows: Int, dim: Int, groupPerRow: Bool) throws {
        let op = "layerNormForward"
        try requirePositive(op, ("rows", rows), ("dim", dim))
        try require(op, inp, rows * dim, "inp"); try require(op, out, rows * dim, "out")
        try require(op, mean, rows, "mean"); try require(op, rstd, rows, "rstd")
        try require(op, gamma, dim, "gamma"); try require(op, beta, dim, "beta")
        if out.buffer === inp.buffer && out.offset < inp.offset + rows * dim && inp.offset < out.offset + rows * dim {
            throw ComputeError.invalidSize(op: op, detail: "out overlaps inp; the backward needs the input, use a separate out")
        }
        if let cl {
            let args: [CLArg] = [.view(out), .view(mean), .view(rstd), .view(inp), .view(gamma), .view(beta),
                                 .int(rows), .int(dim)]
            if groupPerRow {
                let local = layerNormGroupSize(dim)
                return try cl.launch(.layernormForwardGroup, args + [.local(local * 4)],
                                     global: [rows * local], local: [local])
            }
            return try cl.launch(.layernormForwardRows, args, global: [rows])
        }
        let o = out.ptr, x = inp.ptr, m = mean.ptr, rs = rstd.ptr, w = gamma.ptr, b = beta.ptr
        let n = Float(dim)
        Parallel.forEach(rows, costPerItem: 4 * dim) { r in
            let xr = x + r * dim, yr = o + r * dim
            let mu = rowSum(xr, dim) / n
            let inv = 1 / (rowSquaredDeviation(xr, dim, from: mu) / n + layerNormEpsilon).squareRoot()
            for c in 0..<dim { yr[c] = (xr[c] - mu) * inv * w[c] + b[c] }
            m[r] = mu
            rs[r] = inv
        }
    }

    func addLayerNormForward(out: View, mean: View, rstd: View, sum: View, a: View, b: View, gamma: View, beta: View,
                             rows: Int, dim: Int, mask: RowMask?, keepSum: Bool = true, groupPerRow: Bool) throws {
        let op = "addLayerNormForward"
        try requirePositive(op, ("rows", rows), ("dim", dim))
        try require(op, a, rows * dim, "a"); try require(op, b, rows * dim, "b"); try require(op, sum, rows * dim, "sum")
        try mask?.check(op, rows: rows)
        var local = 32
        while 4 * local < dim && local < 256 { local *= 2 }
        if let cl, groupPerRow, dim <= 4 * local {
            try require(op, out, rows * dim, "out"); try require(op, mean, rows, "mean"); try require(op, rstd, rows, "rstd")
            try require(op, gamma, dim, "gamma"); try require(op, beta, dim, "beta")
            let mode = mask == nil ? 0 : mask!.pairs ? 2 : 1, rowsPerGroup = 256 / local
            return try cl.launch(.addLayernormForwardGroup,
                                 [.view(out), .view(mean), .view(rstd), .view(sum), .view(a), .view(b), .view(gamma), .view(beta),
                                  .view(mask?.nodeMask ?? sum), .int(mode), .int(mask?.n ?? 1), .int(keepSum ? 1 : 0),
                                  .int(rows), .int(dim), .local(256 * 4)],
                                 global: [local, rows], local: [local, rowsPerGroup])
        }
        try add(out: sum.sub(0, rows * dim), a.sub(0, rows * dim), b.sub(0, rows * dim))
        try layerNormForward(out: out, mean: mean, rstd: rstd, inp: sum, gamma: gamma, beta: beta, rows: rows, dim: dim,
                             groupPerRow: groupPerRow)
        if let mask { try apply(mask, to: out, rows: rows, dim: dim) }
    }

    func layerNormBackward(dinp: View, dgamma: View?, dbeta: View?, dout: View, inp: View, mean: View, rstd: View,
                           gamma: View, rows: Int, dim: Int, groupPerRow: Bool) throws {
        let op = "layerNormBackward"
        try requirePositive(op, ("rows", rows), ("dim", dim))
        try require(op, dinp, rows * dim, "dinp"); try require(op, dout, rows * dim, "dout")
        try require(op, inp, rows * dim, "inp")
        try require(op, mean, rows, "mean"); try require(op, rstd, rows, "rstd")
        try require(op, gamma, dim, "gamma")
        guard (dgamma == nil) == (dbeta == nil) else { throw ComputeError.invalidSize(op: op, detail: "give dgamma and dbeta, or neither") }
        if let dgamma, let dbeta { try require(op, dgamma, dim, "dgamma"); try require(op, dbeta, dim, "dbeta") }
        if let cl {
            let rowArgs: [CLArg] = [.view(dinp), .view(dout), .view(inp), .view(mean), .view(rstd), .view(gamma),
                                    .int(rows), .int(dim)]
            guard groupPerRow else {
                try cl.launch(.layernormBackwardRows, rowArgs, global: [rows])
                guard let dgamma, let dbeta else { return }
                return try cl.launch(.layernormParamGradsColumns,
                                     [.view(dgamma), .view(dbeta), .view(dout), .view(inp), .view(mean), .view(rstd),
                                      .int(rows), .int(dim)], global: [dim])
            }
            let local = layerNormGroupSize(dim)
            try cl.launch(.layernormBackwardGroup, rowArgs + [.local(local * 4)],
                          global: [rows * local], local: [local])
            guard let dgamma, let dbeta else { return }
            // Column sums: enough row chunks to fill a GPU (≈ 64 groups per 32-channel block), each
            // chunk at least 64 rows so the partials stay a small fraction of the input.
            let rowsPerChunk = max(64, (rows + 63) / 64)
            let chunks = (rows + rowsPerChunk - 1) / rowsPerChunk
            let width = 32, lanes = 8
            func partial(_ dg: View, _ db: View, accumulate: Bool) throws {
                try cl.launch(.layernormParamGradsPartial,
                              [.view(dg), .view(db), .int(accumulate ? 1 : 0), .view(dout), .view(inp), .view(mean),
                               .view(rstd), .int(rows), .int(dim), .int(rowsPerChunk), .local(2 * width * lanes * 4)],
                              global: [dim, chunks * lanes], local: [width, lanes])
            }
            if chunks == 1 { return try partial(dgamma, dbeta, accumulate: true) }
            // Freed when this returns; OpenCL keeps the memory until the queued kernels are done.
            let scratch = try makeBuffer(count: 2 * chunks * dim)
            try partial(scratch.view(0, chunks * dim), scratch.view(chunks * dim, chunks * dim), accumulate: false)
            return try cl.launch(.layernormParamGradsFinish,
                                 [.view(dgamma), .view(dbeta), .view(scratch.all), .int(chunks), .int(dim)], global: [dim])
        }
        // Rows go in fixed chunks of 64 whose dgamma/dbeta partials are added in chunk order:
        // the result does not depend on the number of threads.
        let chunkRows = 64
        let chunks = (rows + chunkRows - 1) / chunkRows
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: 2 * chunks * dim)
        defer { partials.deallocate() }
        partials.initialize(repeating: 0, count: 2 * chunks * dim)
        let part = Ptr(partials)
        let dx = dinp.ptr, g = dout.ptr, x = inp.ptr, m = mean.ptr, rs = rstd.ptr, w = gamma.ptr
        let n = Float(dim)
        Parallel.forEach(chunks, costPerItem: 8 * chunkRows * dim) { k in
            let pg = part + 2 * k * dim, pb = pg + dim
            for r in (k * chunkRows)..<min(rows, (k + 1) * chunkRows) {
                let xr = x + r * dim, gr = g + r * dim, dxr = dx + r * dim
                let mu = m[r], inv = rs[r]
                let (sg, sgx) = rowGradientSums(gr, xr, w, dim, mean: mu, rstd: inv)
                let meanG = sg / n, meanGX = sgx / n
                for c in 0..<dim {
                    let xh = (xr[c] - mu) * inv
                    dxr[c] += inv * (gr[c] * w[c] - meanG - xh * meanGX)
                    pg[c] += gr[c] * xh
                    pb[c] += gr[c]
                }
            }
        }
        guard let dgamma, let dbeta else { return }
        let dg = dgamma.ptr, db = dbeta.ptr
        for c in 0..<dim {
            var sg: Float = 0, sb: Float = 0
            for k in 0..<chunks {
                sg += part[2 * k * dim + c]
                sb += part[(2 * k + 1) * dim + c]
            }
            dg[c] += sg
            db[c] += sb
        }
    }
}

/// Work-group size for the row kernels: a power of two from 32 to 256, about one work item per
/// channel (a larger group would idle; 256 is within every GPU's limit).
private func layerNormGroupSize(_ dim: Int) -> Int {
    var size = 32
    while size < dim && size < 256 { size *= 2 }
    return size
}

// Row reductions with eight SIMD lanes: vectorised, and more accurate than one running sum.

@inline(__always)
private func load8(_ p: Ptr, _ i: Int) -> SIMD8<Float> {
    UnsafeRawPointer(p.p + i).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func rowSum(_ x: Ptr, _ count: Int) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    var c = 0
    while c + 8 <= count { acc += load8(x, c); c += 8 }
    var s = acc.sum()
    while c < count { s += x[c]; c += 1 }
    return s
}

@inline(__always)
private func rowSquaredDeviation(_ x: Ptr, _ count: Int, from mu: Float) -> Float {
    var acc = SIMD8<Float>(repeating: 0)
    let m = SIMD8<Float>(repeating: mu)
    var c = 0
    while c + 8 <= count { let d = load8(x, c) - m; acc += d * d; c += 8 }
    var s = acc.sum()
    while c < count { let d = x[c] - mu; s += d * d; c += 1 }
    return s
}

/// (Σ dout·gamma, Σ dout·gamma·x̂) over one row.
@inline(__always)
private func rowGradientSums(_ g: Ptr, _ x: Ptr, _ w: Ptr, _ count: Int, mean mu: Float, rstd inv: Float) -> (Float, Float) {
    var accG = SIMD8<Float>(repeating: 0), accGX = SIMD8<Float>(repeating: 0)
    let m = SIMD8<Float>(repeating: mu), r = SIMD8<Float>(repeating: inv)
    var c = 0
    while c + 8 <= count {
        let gh = load8(g, c) * load8(w, c)
        accG += gh
        accGX += gh * ((load8(x, c) - m) * r)
        c += 8
    }
    var sg = accG.sum(), sgx = accGX.sum()
    while c < count {
        let gh = g[c] * w[c]
        sg += gh
        sgx += gh * ((x[c] - mu) * inv)
        c += 1
    }
    return (sg, sgx)
}
