import Foundation

// The linear layer, out = inp·Wᵀ + bias, with W in PyTorch's layout [outDim][inDim] so checkpoints
// load directly into a PyTorch reference. Its three products (see Kernels/linear.cl) run as
//   OpenCL GPU: tiled GEMMs (128×128 or 64×64 tiles, split-K when the output has too few tiles);
//   OpenCL CPU (PoCL): one work-item per small output block with float8 loops;
//   Swift: the packed, cache-blocked GEMM of PackedGEMM.swift on all threads.

public extension Device {
    /// out[r, o] = (Σ_i inp[r, i]·weight[o, i] + bias[o])·mask(r)   (bias nil: no bias; mask nil: 1),
    /// then max(·, 0) when `relu`. Overwrites `out`.
    func linearForward(out: View, inp: View, weight: View, bias: View?,
                       rows: Int, inDim: Int, outDim: Int, mask: RowMask? = nil, relu: Bool = false) throws {
        try linearForward(out: out, inp: inp, weight: weight, bias: bias,
                          rows: rows, inDim: inDim, outDim: outDim, mask: mask, relu: relu, shape: nil)
    }

    /// Adds the gradients of the linear layer:
    ///   dinp[r, i] += Σ_o dout[r, o]·weight[o, i]   (dinp nil: skipped, e.g. for the first layer)
    ///   dweight[o, i] += Σ_r dout[r, o]·inp[r, i]
    ///   dbias[o] += Σ_r dout[r, o]                   (dbias nil: skipped)
    /// dweight nil: the input gradient only (no weight-gradient product).
    func linearBackward(dinp: View?, dweight: View?, dbias: View?, dout: View, inp: View, weight: View,
                        rows: Int, inDim: Int, outDim: Int) throws {
        try linearBackward(dinp: dinp, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight,
                           rows: rows, inDim: inDim, outDim: outDim, shape: nil)
    }
}

/// Which OpenCL kernels run the linear layer. nil everywhere but in tests, which force the GPU
/// family (and its tile size and K split) on PoCL to check it against the Swift twin.
enum LinearKernelShape: Equatable {
    case cpu
    /// Tiled GEMMs; `tile` 64 or 128 and `slices` ≥ 1 override the size-based choice when given.
    case gpu(tile: Int?, slices: Int?)
}

extension Device {
    func linearForward(out: View, inp: View, weight: View, bias: View?,
                       rows: Int, inDim: Int, outDim: Int, mask: RowMask? = nil, relu: Bool = false,
                       shape: LinearKernelShape?) throws {
        try checkLinearForward(out: out, inp: inp, weight: weight, bias: bias, rows: rows, inDim: inDim, outDim: outDim)
        try mask?.check("linear", rows: rows)
        if let cl {
            switch shape ?? (cl.info.isGPU ? .gpu(tile: nil, slices: nil) : .cpu) {
            case .cpu:
                try cl.launch(.linearForwardCpu,
                              [.view(out), .view(inp), .view(weight), .view(bias ?? out), .int(bias == nil ? 0 : 1),
                               .int(rows), .int(inDim), .int(outDim)],
                              global: [(outDim + 3) / 4, (rows + 1) / 2])
            case let .gpu(tile, slices):
                return try gemmOnGPU("nt", c: out, a: inp, b: weight, bias: bias, mask: mask, relu: relu, accumulate: false,
                                     m: rows, n: outDim, k: inDim, tile: tile, slices: slices)
            }
        } else {
            cpuMultiply(m: rows, n: outDim, k: inDim,
                        a: StridedMatrix(base: UnsafePointer(inp.ptr.p), rowStride: inDim, colStride: 1),
                        b: StridedMatrix(base: UnsafePointer(weight.ptr.p), rowStride: 1, colStride: inDim),
                        c: out.ptr.p, ldc: outDim, bias: bias.map { UnsafePointer($0.ptr.p) }, accumulate: false)
        }
        // The Swift twin and the CPU kernels mask and rectify in further passes.
        if let mask { try apply(mask, to: out, rows: rows, dim: outDim) }
        if relu { try reluForward(out: out.sub(0, rows * outDim), inp: out.sub(0, rows * outDim)) }
    }

    func linearBackward(dinp: View?, dweight: View?, dbias: View?, dout: View, inp: View, weight: View,
                        rows: Int, inDim: Int, outDim: Int, shape: LinearKernelShape?) throws {
        try checkLinearBackward(dinp: dinp, dweight: dweight, dbias: dbias, dout: dout, inp: inp, weight: weight,
                                rows: rows, inDim: inDim, outDim: outDim)
        if let cl {
            switch shape ?? (cl.info.isGPU ? .gpu(tile: nil, slices: nil) : .cpu) {
            case .cpu:
                if let dinp {
                    try cl.launch(.linearBackwardInputCpu,
                                  [.view(dinp), .view(dout), .view(weight), .int(rows), .int(inDim), .int(outDim)],
                                  global: [(inDim + 15) / 16, (rows + 3) / 4])
                }
                // A group spans up to 256 columns and enough 4-output blocks for ~256 work-items (it
                // shares each chunk of rows through the cache, see the kernel), but stays small enough
                // that there is at least one group per core.
                if let dweight {
                    let colBlocks = (inDim + 15) / 16, outBlocks = (outDim + 3) / 4
                    let lx = min(colBlocks, 16)
                    let groupsAcross = (colBlocks + lx - 1) / lx
                    let ly = max(1, min(256 / lx, outBlocks, outBlocks * groupsAcross / max(1, cl.info.computeUnits)))
                    try cl.launch(.linearBackwardWeightCpu,
                                  [.view(dweight), .view(dout), .view(inp), .int(rows), .int(inDim), .int(outDim)],
                                  global: [colBlocks, outBlocks], local: [lx, ly])
                }
                if let dbias {
                    try cl.launch(.linearBiasGradCpu,
                                  [.view(dbias), .view(dout), .int(rows), .int(outDim)], global: [(outDim + 7) / 8])
                }
            case let .gpu(tile, slices):
                if let dinp {
                    try gemmOnGPU("nn", c: dinp, a: dout, b: weight, bias: nil, mask: nil, relu: false, accumulate: true,
                                  m: rows, n: inDim, k: outDim, tile: tile, slices: slices)
                }
                if let dweight {
                    try gemmOnGPU("tn", c: dweight, a: dout, b: inp, bias: nil, mask: nil, relu: false, accumulate: true,
                                  m: outDim, n: inDim, k: rows, tile: tile, slices: slices)
                }
                if let dbias { try columnSumOnGPU(into: dbias, dout, rows: rows, cols: outDim, slices: slices) }
            }
            return
        }
        if let dinp {
            cpuMultiply(m: rows, n: inDim, k: outDim,
                        a: StridedMatrix(base: UnsafePointer(dout.ptr.p), rowStride: outDim, colStride: 1),
                        b: StridedMatrix(base: UnsafePointer(weight.ptr.p), rowStride: inDim, colStride: 1),
                        c: dinp.ptr.p, ldc: inDim, bias: nil, accumulate: true)
        }
        if let dweight {
            cpuMultiply(m: outDim, n: inDim, k: rows,
                        a: StridedMatrix(base: UnsafePointer(dout.ptr.p), rowStride: 1, colStride: outDim),
                        b: StridedMatrix(base: UnsafePointer(inp.ptr.p), rowStride: inDim, colStride: 1),
                        c: dweight.ptr.p, ldc: inDim, bias: nil, accumulate: true)
        }
        if let dbias {
            if let blas { blas.addColumnSums(into: dbias.ptr.p, dout.ptr.p, rows: rows, cols: outDim) }
            else { addColumnSums(into: dbias.ptr, dout.ptr, rows: rows, cols: outDim) }
        }
    }

    /// The CPU paths' matrix product, PackedGEMM.multiply's contract: through the BLAS where the
    /// device has one, else the twin's own GEMM.
    private func cpuMultiply(m: Int, n: Int, k: Int, a: StridedMatrix, b: StridedMatrix, c: UnsafeMutablePointer<Float>,
                             ldc: Int, bias: UnsafePointer<Float>?, accumulate: Bool) {
        if let blas, blas.multiply(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, bias: bias, accumulate: accumulate) { return }
        PackedGEMM.multiply(m: m, n: n, k: k, a: a, b: b, c: c, ldc: ldc, bias: bias, accumulate: accumulate)
    }

    /// The size checks of one linear forward (also run for every member of a batched one).
    func checkLinearForward(out: View, inp: View, weight: View, bias: View?, rows: Int, inDim: Int, outDim: Int) throws {
        let op = "linear"
        try requirePositive(op, ("rows", rows), ("inDim", inDim), ("outDim", outDim))
        try require(op, inp, rows * inDim, "inp (rows·inDim)")
        try require(op, weight, outDim * inDim, "weight (outDim·inDim)")
        if let bias { try require(op, bias, outDim, "bias (outDim)") }
        try require(op, out, rows * outDim, "out (rows·outDim)")
    }

    func checkLinearBackward(dinp: View?, dweight: View?, dbias: View?, dout: View, inp: View, weight: View,
                             rows: Int, inDim: Int, outDim: Int) throws {
        let op = "linear backward"
        try requirePositive(op, ("rows", rows), ("inDim", inDim), ("outDim", outDim))
        try require(op, dout, rows * outDim, "dout (rows·outDim)")
        try require(op, inp, rows * inDim, "inp (rows·inDim)")
        try require(op, weight, outDim * inDim, "weight (outDim·inDim)")
        if let dinp { try require(op, dinp, rows * inDim, "dinp (rows·inDim)") }
        if let dweight { try require(op, dweight, outDim * inDim, "dweight (outDim·inDim)") }
        if let dbias { try require(op, dbias, outDim, "dbias (outDim)") }
    }

    /// into[c] += Σ_r g[r·cols + c]. Each task sums a chunk of 512 whole rows (streaming memory in
    /// order, vectorised along the row) into its own partial row; the partials are added in chunk
    /// order, so the result does not depend on the thread count.
    private func addColumnSums(into sums: Ptr, _ g: Ptr, rows: Int, cols: Int) {
        let chunkRows = 512
        let chunks = (rows + chunkRows - 1) / chunkRows
        let partials = Ptr(UnsafeMutablePointer<Float>.allocate(capacity: chunks * cols))
        defer { partials.p.deallocate() }
        Parallel.forEach(chunks, costPerItem: chunkRows * cols) { chunk in
            let s = partials.p + chunk * cols
            s.initialize(repeating: 0, count: cols)
            for r in (chunk * chunkRows)..<min(rows, (chunk + 1) * chunkRows) {
                let row = g.p + r * cols
                for c in 0..<cols { s[c] += row[c] }
            }
        }
        for chunk in 0..<chunks {
            let s = partials.p + chunk * cols
            for c in 0..<cols { sums[c] += s[c] }
        }
    }

    // MARK: GPU GEMMs

    /// C (m×n) = A·B (+ bias) or C += A·B with the tiled kernel gemm_<layout>_<tile>; for each member
    /// of `batch` when it has several (their views at its strides from the ones given).
    func gemmOnGPU(_ layout: String, c: View, a: View, b: View, bias: View?, mask: RowMask?, relu: Bool, accumulate: Bool,
                   m: Int, n: Int, k: Int, tile: Int?, slices: Int?, batch: GEMMBatch = .single) throws {
        guard let cl else { return }
        let plan = gemmPlan(cl, m: m, n: n, k: k, members: batch.count, tile: tile, slices: slices)
        // Split-K partials are reduced with one bias, so a batch that needs them runs member by member.
        if batch.count > 1 && plan.slices > 1 {
            for z in 0..<batch.count {
                try gemmOnGPU(layout, c: batch.member(z, c, \.c), a: batch.member(z, a, \.a), b: batch.member(z, b, \.b),
                              bias: bias.map { batch.member(z, $0, \.bias) }, mask: mask, relu: relu, accumulate: accumulate,
                              m: m, n: n, k: k, tile: tile, slices: slices)
            }
            return
        }
        let (kernel, local, global) = gemmLaunchShape(cl, layout, m: m, n: n, plan: plan, members: batch.count)
        // The epilogue: mode & 3 = mask kind (0 none, 1 node rows, 2 pair rows), mode & 4 = ReLU.
        let mode = (mask == nil ? 0 : mask!.pairs ? 2 : 1) | (relu ? 4 : 0)
        let maskArgs: [CLArg] = [.view(mask?.nodeMask ?? c), .int(mode), .int(mask?.n ?? 1)]
        if plan.slices == 1 {
            return try cl.launch(kernel,
                                 [.view(c), .view(a), .view(b), .view(bias ?? c), .int(bias == nil ? 0 : 1),
                                  .int(accumulate ? 1 : 0)] + maskArgs + [.int(m), .int(n), .int(k), .int(k), .int(0),
                                  .int(1), .int(batch.c), .int(batch.a), .int(batch.b), .int(batch.bias)],
                                 global: global, local: local)
        }
        let partials = try LinearScratch.shared.view(on: self, count: plan.slices * m * n)
        try gemmPartialsOnGPU(layout, partials: partials, a: a, b: b, bias: nil, m: m, n: n, k: k, plan: plan)
        try splitKReduceOnGPU(c: c, partials: partials, slices: plan.slices, bias: bias, accumulate: accumulate,
                              maskArgs: maskArgs, m: m, n: n)
    }

    /// The tile and K split of a tiled GEMM on this device. The tensor-core kernels come in 64-tiles only:
    /// on the H100, whole sampling and training runs were faster than with 128-tiles, whose kernel held
    /// 223 registers per item (Benchmarks/RESULTS.md).
    func gemmPlan(_ cl: CLContext, m: Int, n: Int, k: Int, members: Int = 1, tile: Int? = nil, slices: Int? = nil) -> GEMMPlan {
        GEMMPlan.choose(m: m, n: n, k: k, members: members, computeUnits: cl.info.computeUnits,
                        tile: cl.tensorCoreGEMM ? 64 : tile ?? cl.settings.gemmTile, slices: slices)
    }

    /// The kernel of a tiled GEMM and its launch sizes.
    private func gemmLaunchShape(_ cl: CLContext, _ layout: String, m: Int, n: Int, plan: GEMMPlan, members: Int)
        -> (kernel: Kernel, local: [Int], global: [Int]) {
        let tilesN = (n + plan.tile - 1) / plan.tile, tilesM = (m + plan.tile - 1) / plan.tile
        if cl.tensorCoreGEMM {      // Kernels/linear_tc.cl: one group of warps per 64-tile
            let local = [cl.tensorCoreThreads, 1, 1]
            return (.gemmTensorCores(layout), local, [tilesN * local[0], tilesM, members * plan.slices])
        }
        let local = [plan.tile / 8, plan.tile / 8, 1]
        return (.gemm(layout, tile: plan.tile), local, [tilesN * local[0], tilesM * local[1], members * plan.slices])
    }

    /// A·B split along K into `plan.slices` partial products, slice s at partials[s·m·n ...]; `bias` is
    /// added by slice 0 only, so the sum of the slices carries it once.
    func gemmPartialsOnGPU(_ layout: String, partials: View, a: View, b: View, bias: View?,
                           m: Int, n: Int, k: Int, plan: GEMMPlan) throws {
        guard let cl else { return }
        let (kernel, local, global) = gemmLaunchShape(cl, layout, m: m, n: n, plan: plan, members: 1)
        try cl.launch(kernel,
                      [.view(partials), .view(a), .view(b), .view(bias ?? partials), .int(bias == nil ? 0 : 1), .int(0),
                       .view(partials), .int(0), .int(1),
                       .int(m), .int(n), .int(k), .int(plan.kChunk), .int(m * n),
                       .int(plan.slices), .int(0), .int(0), .int(0), .int(0)],
                      global: global, local: local)
    }

    /// c (m×n) = epilogue(Σ_s partials[s·m·n ...] + bias), or c += Σ_s partials when `accumulate`.
    func splitKReduceOnGPU(c: View, partials: View, slices: Int, bias: View?, accumulate: Bool,
                           maskArgs: [CLArg]? = nil, m: Int, n: Int) throws {
        guard let cl else { return }
        try cl.launch(.gemmSplitkReduce,
                      [.view(c), .view(partials), .view(bias ?? c), .int(bias == nil ? 0 : 1), .int(accumulate ? 1 : 0)]
                        + (maskArgs ?? [.view(c), .int(0), .int(1)]) + [.int(m * n), .int(slices), .int(n)],
                      global: [m * n], local: nil)
    }

    /// sums[c] += Σ_r g[r, c]; rows are split into slices (reduced after) when there are few columns
    /// and many rows, so enough work-groups run to use the memory bandwidth.
    func columnSumOnGPU(into sums: View, _ g: View, rows: Int, cols: Int, slices forced: Int?) throws {
        guard let cl else { return }
        let groups = (cols + 63) / 64
        let wanted = forced ?? min(2 * cl.info.computeUnits / groups, rows / 1024)
        let slices = max(1, min(wanted, rows))
        let rowsPerSlice = (rows + slices - 1) / slices
        let local = [64, 4, 1], global = [groups * 64, 4, slices]
        if slices == 1 {
            return try cl.launch(.columnSum,
                                 [.view(sums), .view(g), .int(rows), .int(cols), .int(rowsPerSlice), .int(1)],
                                 global: global, local: local)
        }
        let partials = try LinearScratch.shared.view(on: self, count: slices * cols)
        try cl.launch(.columnSum,
                      [.view(partials), .view(g), .int(rows), .int(cols), .int(rowsPerSlice), .int(0)],
                      global: global, local: local)
        try cl.launch(.gemmSplitkReduce,
                      [.view(sums), .view(partials), .view(sums), .int(0), .int(1), .view(sums), .int(0), .int(1),
                       .int(cols), .int(slices), .int(cols)],
                      global: [cols], local: nil)
    }
}

/// How a GPU GEMM is cut: tile edge (work-group tile tile×tile) and the number of K slices.
struct GEMMPlan: Equatable {
    let tile: Int
    let slices: Int
    /// K range per slice, a multiple of the kernel's k-step (16).
    let kChunk: Int

    /// 128-tiles when there are at least two per compute unit (at ≤ 128 registers per work-item an
    /// H100 SM holds two 256-work-item groups); else 64-tiles; and when even those leave compute units idle and K is long,
    /// split K so that about two groups per compute unit run, each over at least 256 of K (128 was no
    /// faster on the H100 in an interleaved comparison, Benchmarks/RESULTS.md). `members` products of this
    /// shape run in the same launch.
    static func choose(m: Int, n: Int, k: Int, members: Int = 1, computeUnits: Int, tile forcedTile: Int? = nil,
                       slices forcedSlices: Int? = nil) -> GEMMPlan {
        let cus = max(1, computeUnits)
        func tiles(_ t: Int) -> Int { ((m + t - 1) / t) * ((n + t - 1) / t) * max(1, members) }
        let tile = forcedTile ?? (tiles(128) >= 2 * cus ? 128 : 64)
        var slices = forcedSlices ?? (tiles(tile) >= cus ? 1 : min((2 * cus + tiles(tile) - 1) / tiles(tile), k / 256))
        slices = max(1, min(slices, (k + 15) / 16))
        let kChunk = ((k + slices - 1) / slices + 15) / 16 * 16
        return GEMMPlan(tile: tile, slices: (k + kChunk - 1) / kChunk, kChunk: kChunk)
    }
}

/// One reusable device allocation per device for split-K partial products, grown on demand.
/// Reusing it across calls is safe because the queue is in-order: a later GEMM cannot overwrite
/// the partials before the reduction that reads them has run.
final class LinearScratch: @unchecked Sendable {
    static let shared = LinearScratch()
    /// The packed e_mul/e_add weights of the fused edge attention (Ops/EdgeAttention.swift).
    static let packedEdgeWeights = LinearScratch()

    private struct Entry {
        weak var device: Device?
        let buffer: Buffer
    }
    private let lock = NSLock()
    private var entries: [ObjectIdentifier: Entry] = [:]

    func view(on device: Device, count: Int) throws -> View {
        lock.lock(); defer { lock.unlock() }
        entries = entries.filter { $0.value.device != nil }
        let key = ObjectIdentifier(device)
        if let e = entries[key], e.device === device, e.buffer.count >= count { return e.buffer.view(0, count) }
        let buffer = try device.makeBuffer(count: count)
        entries[key] = Entry(device: device, buffer: buffer)
        return buffer.view(0, count)
    }
}
