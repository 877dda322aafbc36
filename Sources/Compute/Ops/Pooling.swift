// Per-graph statistics over positions, the Xtoy/Etoy input of the global (y) update
// (dinas-spec §3.4): for inp (G, P, C), out (G, 4C) = [mean, min, max, std] over ALL P positions,
// padding included, with the unbiased std of torch.std (divides by P − 1).
// Deliberate choices: P = 1 gives std 0 (PyTorch: NaN; DiNAS always has P ≥ 8); the min/max
// gradient goes to the FIRST position attaining it, the index torch.min/max(dim) document returning
// (for pairs DiGress takes min over j then over i, which picks the same first flattened index).

public extension Device {
    func poolForward(out: View, inp: View, graphs: Int, positions: Int, dim: Int) throws {
        try poolForward(out: out, inp: inp, graphs: graphs, positions: positions, dim: dim,
                        groupPerGraph: isGPU && positions >= poolGroupMinPositions)
    }

    /// dinp += ∂L/∂inp given dout (G, 4C), the forward's input and its output (mean, min, max, std).
    /// The std gradient is dstd·(x − mean)/((P − 1)·std), taken as 0 where std = 0.
    func poolBackward(dinp: View, dout: View, inp: View, out: View, graphs: Int, positions: Int, dim: Int) throws {
        let op = "poolBackward"
        try requirePositive(op, ("graphs", graphs), ("positions", positions), ("dim", dim))
        try require(op, dinp, graphs * positions * dim, "dinp"); try require(op, inp, graphs * positions * dim, "inp")
        try require(op, dout, graphs * 4 * dim, "dout"); try require(op, out, graphs * 4 * dim, "out")
        if let cl {
            return try cl.launch(.poolBackwardColumns,
                                 [.view(dinp), .view(dout), .view(inp), .view(out), .int(graphs), .int(positions), .int(dim)],
                                 global: [graphs * dim])
        }
        let dx = dinp.ptr, gOut = dout.ptr, x = inp.ptr, y = out.ptr
        Parallel.forEach(graphs, costPerItem: 4 * positions * dim) { g in
            let xg = x + g * positions * dim, dxg = dx + g * positions * dim
            let mean = y + g * 4 * dim, lo = mean + dim, hi = mean + 2 * dim, sd = mean + 3 * dim
            let dmean = gOut + g * 4 * dim, dlo = dmean + dim, dhi = dmean + 2 * dim, dsd = dmean + 3 * dim
            // Per-channel factors and "first min / max not yet seen" flags (1 or 0), so positions
            // run in order with a contiguous, branch-free (vectorisable) inner loop over channels.
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * dim)
            defer { scratch.deallocate() }
            let k = Ptr(scratch), share = k + dim, loPending = k + 2 * dim, hiPending = k + 3 * dim
            for c in 0..<dim {
                k[c] = sd[c] > 0 ? dsd[c] / (Float(positions - 1) * sd[c]) : 0
                share[c] = dmean[c] / Float(positions)
                loPending[c] = 1
                hiPending[c] = 1
            }
            for p in 0..<positions {
                let xr = xg + p * dim, dxr = dxg + p * dim
                for c in 0..<dim {
                    let v = xr[c]
                    let hitLo = v == lo[c] ? loPending[c] : 0, hitHi = v == hi[c] ? hiPending[c] : 0
                    loPending[c] -= hitLo
                    hiPending[c] -= hitHi
                    dxr[c] += share[c] + k[c] * (v - mean[c]) + hitLo * dlo[c] + hitHi * dhi[c]
                }
            }
        }
    }
}

/// The GPU forward splits a graph's positions over 8 lanes and tree-reduces them in local memory. That
/// pays where each lane gets several positions (E: 64 pairs); with 8 nodes (X) every lane would hold
/// one, and the H100 profile had that launch at ~300 GB/s (log `vector-staging`, pool_forward_group
/// [512, 3072]), so there one work item per (graph, channel) walks the positions instead. Not yet timed
/// on a GPU: `nasdiff bench kernels` has both shapes at both sizes.
let poolGroupMinPositions = 32

extension Device {
    /// `groupPerGraph` picks the GPU-shaped forward (a work-group per (channel block, graph));
    /// tests run both shapes on PoCL.
    func poolForward(out: View, inp: View, graphs: Int, positions: Int, dim: Int, groupPerGraph: Bool) throws {
        let op = "poolForward"
        try requirePositive(op, ("graphs", graphs), ("positions", positions), ("dim", dim))
        try require(op, inp, graphs * positions * dim, "inp"); try require(op, out, graphs * 4 * dim, "out")
        if let cl {
            let args: [CLArg] = [.view(out), .view(inp), .int(graphs), .int(positions), .int(dim)]
            if groupPerGraph {
                // 32 channels (coalesced 128-byte rows) × 8 lanes that split the positions.
                let width = 32, lanes = 8
                return try cl.launch(.poolForwardGroup, args + [.local(3 * width * lanes * 4)],
                                     global: [dim, graphs * lanes], local: [width, lanes])
            }
            return try cl.launch(.poolForwardColumns, args, global: [graphs * dim])
        }
        let x = inp.ptr, y = out.ptr
        let count = Float(positions), denominator = Float(max(positions - 1, 1))
        Parallel.forEach(graphs, costPerItem: 4 * positions * dim) { g in
            // The four output rows double as accumulators; each position row is one contiguous loop.
            let xg = x + g * positions * dim
            let mean = y + g * 4 * dim, lo = mean + dim, hi = mean + 2 * dim, sd = mean + 3 * dim
            for c in 0..<dim { mean[c] = xg[c]; lo[c] = xg[c]; hi[c] = xg[c] }
            for p in 1..<positions {
                let row = xg + p * dim
                for c in 0..<dim {
                    let v = row[c]
                    mean[c] += v
                    lo[c] = v < lo[c] ? v : lo[c]
                    hi[c] = v > hi[c] ? v : hi[c]
                }
            }
            for c in 0..<dim { mean[c] /= count; sd[c] = 0 }
            for p in 0..<positions {
                let row = xg + p * dim
                for c in 0..<dim { let d = row[c] - mean[c]; sd[c] += d * d }
            }
            // All positions equal: that value and std 0, exactly (see Kernels/pooling.cl).
            for c in 0..<dim {
                let flat = lo[c] == hi[c]
                if flat { mean[c] = lo[c] }
                sd[c] = positions > 1 && !flat ? (sd[c] / denominator).squareRoot() : 0
            }
        }
    }
}
