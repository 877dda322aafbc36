import Foundation

// Times the hot kernels at the model's shapes on one device (`nasdiff bench kernels`): the linear
// layer in GFLOP/s and the elementwise ops in GB/s. Every op is run once to warm up (kernel builds,
// first-touch page faults), then enough times back to back per sample that a sample lasts ≥ 2 ms,
// so launch latency does not dominate fast GPU kernels; the device is synchronized around each sample.

public enum KernelBench {
    public struct Row: Sendable {
        public let name: String
        /// e.g. "24576×128→512" (rows × in → out) or "16M floats".
        public let shape: String
        /// GFLOP/s or GB/s (see `unit`), from the median time.
        public let rate: Double
        public let unit: String
        public let medianMs: Double
        public let minMs: Double
        public let maxMs: Double
        /// (max − min) / median over the samples.
        public var spread: Double { medianMs > 0 ? (maxMs - minMs) / medianMs : 0 }
    }

    /// The linear layers that dominate training, as (rows, inDim, outDim) with 384 graphs of 8 nodes:
    /// edge MLP and attention in/out over 384·64 pairs, node projections over 384·8 nodes, the y MLP.
    public static let linearShapes: [(rows: Int, inDim: Int, outDim: Int)] = [
        (24576, 128, 512), (24576, 512, 128), (3072, 512, 512), (3072, 512, 256), (384, 64, 2048), (384, 2048, 64),
    ]

    /// Elements per elementwise benchmark: large enough to stream from memory, not from cache.
    public static let elementwiseCount = 16 << 20

    public static func run(device: Device, repetitions: Int) throws -> [Row] {
        let reps = max(1, repetitions)
        var rows: [Row] = []
        for s in linearShapes {
            rows += try benchLinear(device, rows: s.rows, inDim: s.inDim, outDim: s.outDim, repetitions: reps)
        }
        rows += try benchEdgeAttention(device, repetitions: reps)
        rows += try benchPooling(device, repetitions: reps)
        rows += try benchAddLayerNorm(device, repetitions: reps)
        rows += try benchInputAssembly(device, repetitions: reps)
        rows += try benchElementwise(device, repetitions: reps)
        return rows
    }

    /// Sampling's edge path at the dinas preset's widths (384 graphs of 8 nodes, dim 512, de 128): the
    /// e_mul/e_add GEMM and the attention apart, and (where the device fuses them) in one kernel. GFLOP/s
    /// counts the GEMM's 2·pairs·de·2·dim.
    static func benchEdgeAttention(_ d: Device, repetitions: Int) throws -> [Row] {
        let graphs = 384, n = 8, dim = 512, de = 128, heads = 8, pairs = graphs * n * n, nodes = graphs * n
        let e = try filled(d, pairs * de, 0.5), w = try filled(d, dim * de, 0.01), b = try filled(d, dim, 0.1)
        let q = try filled(d, nodes * dim, 0.3), k = try filled(d, nodes * dim, 0.2), v = try filled(d, nodes * dim, 1), mask = try filled(d, nodes, 1)
        let film = try filled(d, graphs * dim, 0.1), fe = try filled(d, pairs * dim, 0), wv = try filled(d, nodes * dim, 0)
        let e1 = try filled(d, pairs * dim, 0), e2 = try filled(d, pairs * dim, 0)
        let shape = "\(graphs)×\(n)×\(n) pairs, \(de)→2×\(dim)", gflop = 2.0 * Double(pairs) * Double(de) * Double(2 * dim) / 1e9
        // Packed once, as sampling does (GraphTransformer.prepareForSampling).
        let packed = d.isGPU ? try d.packEdgeAttentionWeights(eMul: w, eAdd: w, dim: dim, edgeDim: de, n: n) : nil
        func run(fused: Bool) throws -> (median: Double, min: Double, max: Double) {
            try time(d, repetitions) {
                try d.edgeAttentionForward(fe: fe, filmedV: wv, e: e, eMul: (w, b), eAdd: (w, b), e1: e1, e2: e2, q: q, k: k, v: v,
                                           nodeMask: mask, graphs: graphs, n: n, dim: dim, edgeDim: de, heads: heads,
                                           edgeFilm: (film, film), nodeFilm: (film, film), packedWeights: fused ? packed : nil, fused: fused)
            }
        }
        var rows = [row("edge attention, apart", shape, try run(fused: false), work: gflop, unit: "GFLOP/s")]
        if d.isGPU { rows.append(row("edge attention, fused", shape, try run(fused: true), work: gflop, unit: "GFLOP/s")) }
        return rows
    }

    /// The pooled statistics of a layer's X (8 positions × 512) and E (64 positions × 128) for 384 graphs,
    /// with the work-group-per-graph kernel and the item-per-column kernel (poolGroupMinPositions picks
    /// between them on a GPU). GB/s counts the input read once and the output written.
    static func benchPooling(_ d: Device, repetitions: Int) throws -> [Row] {
        guard d.cl != nil else { return [] }
        let graphs = 384
        var rows: [Row] = []
        for (positions, dim, what) in [(8, 512, "X"), (64, 128, "E")] {
            let inp = try filled(d, graphs * positions * dim, 0.5), out = try filled(d, graphs * 4 * dim, 0)
            let gb = Double(graphs * (positions + 4) * dim) * 4 / 1e9
            for group in [true, false] {
                let t = try time(d, repetitions) {
                    try d.poolForward(out: out, inp: inp, graphs: graphs, positions: positions, dim: dim, groupPerGraph: group)
                }
                rows.append(row("pool \(what), \(group ? "group" : "columns")", "\(graphs)×\(positions)×\(dim)", t, work: gb, unit: "GB/s"))
            }
        }
        return rows
    }

    /// The residual block's add + LayerNorm + mask as sampling runs it (no stored sum) on a layer's E
    /// (384·64 pair rows × 128) and X (384·8 node rows × 512). GB/s counts a and b read and out written,
    /// to compare with the elementwise rows.
    static func benchAddLayerNorm(_ d: Device, repetitions: Int) throws -> [Row] {
        let graphs = 384, n = 8
        let mask = try filled(d, graphs * n, 1)
        var rows: [Row] = []
        for (pairs, dim, what) in [(true, 128, "E"), (false, 512, "X")] {
            let count = graphs * n * (pairs ? n : 1)
            let a = try filled(d, count * dim, 0.5), b = try filled(d, count * dim, 0.25), out = try filled(d, count * dim, 0)
            let sum = try filled(d, count * dim, 0)   // written only where the ops run apart (CPUs)
            let gamma = try filled(d, dim, 1), beta = try filled(d, dim, 0), mean = try filled(d, count, 0), rstd = try filled(d, count, 0)
            let t = try time(d, repetitions) {
                try d.addLayerNormForward(out: out, mean: mean, rstd: rstd, sum: sum, a: a, b: b, gamma: gamma, beta: beta,
                                          rows: count, dim: dim, mask: RowMask(nodeMask: mask, n: n, pairs: pairs), keepSum: false)
            }
            rows.append(row("add+LayerNorm \(what)", "\(count)×\(dim)", t, work: 3 * Double(count * dim) * 4 / 1e9, unit: "GB/s"))
        }
        return rows
    }

    /// The model's input assembly as sampling runs it (concatBroadcastForward with its options) for 384
    /// graphs, two rows of class embeddings (the passes): E symmetrised and pair-masked (384·64 pairs,
    /// 64 + 64), X with the positional table and node mask (384·8 nodes, 256 + 256). GB/s counts a read
    /// once and out written, to compare with the elementwise rows.
    static func benchInputAssembly(_ d: Device, repetitions: Int) throws -> [Row] {
        let graphs = 384, n = 8
        let mask = try filled(d, graphs * n, 1)
        var rows: [Row] = []
        for (pairs, dimA, dimB, what) in [(true, 64, 64, "E"), (false, 256, 256, "X")] {
            let count = graphs * n * (pairs ? n : 1), width = dimA + dimB
            let a = try filled(d, count * dimA, 0.5), b = try filled(d, 2 * dimB, 0.25), out = try filled(d, count * width, 0)
            let table = try filled(d, n * width, 0.1)
            let t = try time(d, repetitions) {
                try d.concatBroadcastForward(out: out, a: a, b: b, graphs: 2, positions: count / 2, dimA: dimA, dimB: dimB,
                                             symmetricPairs: pairs ? n : nil, positional: pairs ? nil : (table, n),
                                             mask: RowMask(nodeMask: mask, n: n, pairs: pairs))
            }
            rows.append(row("input assembly \(what)", "\(count)×(\(dimA)+\(dimB))", t, work: Double(count * (dimA + width)) * 4 / 1e9, unit: "GB/s"))
        }
        return rows
    }

    static func benchLinear(_ d: Device, rows: Int, inDim: Int, outDim: Int, repetitions: Int) throws -> [Row] {
        let x = try d.makeBuffer(count: rows * inDim), w = try d.makeBuffer(count: outDim * inDim)
        let b = try d.makeBuffer(count: outDim), out = try d.makeBuffer(count: rows * outDim)
        let dx = try d.makeBuffer(count: rows * inDim), dw = try d.makeBuffer(count: outDim * inDim)
        let db = try d.makeBuffer(count: outDim), dout = try d.makeBuffer(count: rows * outDim)
        try d.fill(x.all, 0.5); try d.fill(w.all, 0.01); try d.fill(b.all, 0.1); try d.fill(dout.all, 1e-3)
        let shape = "\(rows)×\(inDim)→\(outDim)"
        let flops = 2.0 * Double(rows) * Double(inDim) * Double(outDim)
        let forward = try time(d, repetitions) {
            try d.linearForward(out: out.all, inp: x.all, weight: w.all, bias: b.all, rows: rows, inDim: inDim, outDim: outDim)
        }
        // Backward adds into its gradients; repeated runs only grow them, which does not change the time.
        let backward = try time(d, repetitions) {
            try d.linearBackward(dinp: dx.all, dweight: dw.all, dbias: db.all, dout: dout.all, inp: x.all, weight: w.all,
                                 rows: rows, inDim: inDim, outDim: outDim)
        }
        return [row("linear forward", shape, forward, work: flops / 1e9, unit: "GFLOP/s"),
                row("linear backward", shape, backward, work: 2 * flops / 1e9, unit: "GFLOP/s")]
    }

    static func benchElementwise(_ d: Device, repetitions: Int) throws -> [Row] {
        let n = elementwiseCount
        let a = try d.makeBuffer(count: n), b = try d.makeBuffer(count: n), c = try d.makeBuffer(count: n)
        try d.fill(a.all, -0.25); try d.fill(b.all, 0.5)
        let gb = Double(n) * 4 / 1e9
        let shape = "\(n >> 20)M floats"
        let relu = try time(d, repetitions) { try d.reluForward(out: c.all, inp: a.all) }
        let add = try time(d, repetitions) { try d.add(out: c.all, a.all, b.all) }
        // a = b = 0.5 keeps y bounded however often it runs.
        let axpby = try time(d, repetitions) { try d.axpby(c.all, b.all, a: 0.5, b: 0.5) }
        return [row("relu forward", shape, relu, work: 2 * gb, unit: "GB/s"),
                row("add", shape, add, work: 3 * gb, unit: "GB/s"),
                row("axpby", shape, axpby, work: 3 * gb, unit: "GB/s")]
    }

    /// A new buffer of `count` floats, all `value`.
    static func filled(_ d: Device, _ count: Int, _ value: Float) throws -> View {
        let b = try d.makeBuffer(count: count)
        try d.fill(b.all, value)
        return b.all
    }

    /// Milliseconds per call: (median, min, max) over `repetitions` samples.
    static func time(_ d: Device, _ repetitions: Int, _ body: () throws -> Void) throws -> (median: Double, min: Double, max: Double) {
        func sample(_ calls: Int) throws -> Double {
            try d.synchronize()
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { try body() }
            try d.synchronize()
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(calls)
        }
        _ = try sample(1)                                   // warm-up
        let once = max(try sample(1), 1e-4)
        let calls = min(1000, max(1, Int((2.0 / once).rounded(.up))))
        var ms = try (0..<repetitions).map { _ in try sample(calls) }
        ms.sort()
        let mid = ms.count / 2
        let median = ms.count % 2 == 1 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2
        return (median, ms.first!, ms.last!)
    }

    static func row(_ name: String, _ shape: String, _ t: (median: Double, min: Double, max: Double),
                    work: Double, unit: String) -> Row {
        Row(name: name, shape: shape, rate: work / (t.median / 1e3), unit: unit,
            medianMs: t.median, minMs: t.min, maxMs: t.max)
    }
}
