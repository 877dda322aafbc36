// `nasdiff selftest`: every op on the chosen device against its Swift twin, at shapes like the
// model's, with seeded inputs. Tolerances: ops that do the same float operations in the same
// order get 1e-6; reductions whose order differs between a GPU and the twin (GEMM, LayerNorm,
// pooling, softmax-weighted sums) get a bound relative to the size of the sum (≈ K·2⁻²³·|values|).

public struct SelfTestResult: Sendable {
    public let name: String
    public let maxAbsError: Float
    public let tolerance: Float
    public var passed: Bool { maxAbsError <= tolerance }
}

public enum SelfTest {
    struct Case {
        let name: String
        let tolerance: Float
        let run: (Device) throws -> [Float]
    }

    /// Runs every case on `device` and on the Swift backend.
    public static func run(on device: Device) throws -> [SelfTestResult] {
        let reference = Device()
        return try cases.map { c in
            let a = try c.run(device), b = try c.run(reference)
            var err: Float = 0
            for i in a.indices { err = max(err, abs(a[i] - b[i])) }
            if a.count != b.count || a.contains(where: { !$0.isFinite }) { err = .infinity }
            return SelfTestResult(name: c.name, maxAbsError: err, tolerance: c.tolerance)
        }
    }

    /// Deterministic inputs: the same on every device.
    static func values(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        (0..<n).map { Philox4x32.uniform(seed: seed, row: UInt64($0), stream: 7) * 2 * scale - scale }
    }

    static let g = 6, n = 8, c = 64, heads = 4

    static var cases: [Case] {
        let rn = g * n, re = g * n * n
        var mask = [Float](repeating: 1, count: g * n)
        for i in 5..<n { mask[n + i] = 0 }   // graph 1 has 5 real nodes
        return [
            Case(name: "relu, add, axpby", tolerance: 1e-6) { d in
                let x = try d.makeBuffer(values(rn * c, seed: 1)), o = try d.makeBuffer(count: rn * c)
                let gout = try d.makeBuffer(values(rn * c, seed: 2)), gin = try d.makeBuffer(count: rn * c)
                try d.reluForward(out: o.all, inp: x.all); try d.reluBackward(dinp: gin.all, dout: gout.all, out: o.all)
                try d.axpby(gin.all, o.all, a: 0.5, b: 2); try d.add(out: o.all, o.all, x.all)
                return try d.download(o.all) + d.download(gin.all)
            },
            Case(name: "linear forward", tolerance: 2e-5) { d in
                let x = try d.makeBuffer(values(re * 16, seed: 3)), w = try d.makeBuffer(values(c * 16, seed: 4, scale: 0.25))
                let b = try d.makeBuffer(values(c, seed: 5)), o = try d.makeBuffer(count: re * c)
                try d.linearForward(out: o.all, inp: x.all, weight: w.all, bias: b.all, rows: re, inDim: 16, outDim: c)
                return try d.download(o.all)
            },
            Case(name: "linear backward", tolerance: 1e-4) { d in
                let rows = 200, i = 96, o = 72
                let x = try d.makeBuffer(values(rows * i, seed: 6)), w = try d.makeBuffer(values(o * i, seed: 7, scale: 0.1))
                let go = try d.makeBuffer(values(rows * o, seed: 8)), gx = try d.makeBuffer(count: rows * i)
                let gw = try d.makeBuffer(count: o * i), gb = try d.makeBuffer(count: o)
                try d.linearBackward(dinp: gx.all, dweight: gw.all, dbias: gb.all, dout: go.all, inp: x.all, weight: w.all, rows: rows, inDim: i, outDim: o)
                return try d.download(gx.all) + d.download(gw.all) + d.download(gb.all)
            },
            // Sizes that are multiples of no tile, a long K that makes the weight gradient split K on a
            // GPU, and both tile sizes: the edges and seams of every GEMM kernel (tensor-core ones too).
            Case(name: "linear, odd sizes, split-K", tolerance: 1e-4) { d in
                let rows = 3001, i = 136, o = 520
                let x = try d.makeBuffer(values(rows * i, seed: 40)), w = try d.makeBuffer(values(o * i, seed: 41, scale: 0.1))
                let b = try d.makeBuffer(values(o, seed: 42)), y = try d.makeBuffer(count: rows * o)
                let go = try d.makeBuffer(values(rows * o, seed: 43, scale: 0.1)), gx = try d.makeBuffer(values(rows * i, seed: 44))
                let gw = try d.makeBuffer(count: o * i), gb = try d.makeBuffer(count: o)
                try d.linearForward(out: y.all, inp: x.all, weight: w.all, bias: b.all, rows: rows, inDim: i, outDim: o)
                try d.linearBackward(dinp: gx.all, dweight: gw.all, dbias: gb.all, dout: go.all, inp: x.all, weight: w.all, rows: rows, inDim: i, outDim: o)
                return try d.download(y.all) + d.download(gx.all) + d.download(gw.all) + d.download(gb.all)
            },
            Case(name: "layernorm forward+backward", tolerance: 2e-5) { d in
                let x = try d.makeBuffer(values(rn * c, seed: 9, scale: 3)), gam = try d.makeBuffer(values(c, seed: 10)), bet = try d.makeBuffer(values(c, seed: 11))
                let o = try d.makeBuffer(count: rn * c), mean = try d.makeBuffer(count: rn), rstd = try d.makeBuffer(count: rn)
                let go = try d.makeBuffer(values(rn * c, seed: 12)), gx = try d.makeBuffer(count: rn * c), gg = try d.makeBuffer(count: c), gbt = try d.makeBuffer(count: c)
                try d.layerNormForward(out: o.all, mean: mean.all, rstd: rstd.all, inp: x.all, gamma: gam.all, beta: bet.all, rows: rn, dim: c)
                try d.layerNormBackward(dinp: gx.all, dgamma: gg.all, dbeta: gbt.all, dout: go.all, inp: x.all, mean: mean.all, rstd: rstd.all, gamma: gam.all, rows: rn, dim: c)
                return try d.download(o.all) + d.download(gx.all) + d.download(gg.all) + d.download(gbt.all)
            },
            Case(name: "film forward+backward", tolerance: 2e-5) { d in
                let x = try d.makeBuffer(values(re * c, seed: 13)), m = try d.makeBuffer(values(g * c, seed: 14)), a = try d.makeBuffer(values(g * c, seed: 15))
                let o = try d.makeBuffer(count: re * c), go = try d.makeBuffer(values(re * c, seed: 16))
                let gx = try d.makeBuffer(count: re * c), gm = try d.makeBuffer(count: g * c), ga = try d.makeBuffer(count: g * c)
                try d.filmForward(out: o.all, inp: x.all, mul: m.all, add: a.all, graphs: g, positions: n * n, dim: c)
                try d.filmBackward(dinp: gx.all, dmul: gm.all, dadd: ga.all, dout: go.all, inp: x.all, mul: m.all, graphs: g, positions: n * n, dim: c)
                return try d.download(o.all) + d.download(gx.all) + d.download(gm.all) + d.download(ga.all)
            },
            Case(name: "concat+positional+mask forward+backward", tolerance: 1e-5) { d in
                let a = try d.makeBuffer(values(rn * 32, seed: 17)), b = try d.makeBuffer(values(g * 16, seed: 18)), pe = try d.makeBuffer(values(n * 48, seed: 19))
                let o = try d.makeBuffer(count: rn * 48), ga = try d.makeBuffer(count: rn * 32), gb = try d.makeBuffer(count: g * 16)
                let mk = try d.makeBuffer(mask), m = RowMask(nodeMask: mk.all, n: n, pairs: false)
                try d.concatBroadcastForward(out: o.all, a: a.all, b: b.all, graphs: g, positions: n, dimA: 32, dimB: 16, positional: (pe.all, n), mask: m)
                try d.concatBroadcastBackward(da: ga.all, db: gb.all, dout: o.all, graphs: g, positions: n, dimA: 32, dimB: 16)
                return try d.download(o.all) + d.download(ga.all) + d.download(gb.all)
            },
            Case(name: "concat, symmetrised pairs + mask", tolerance: 1e-6) { d in
                let a = try d.makeBuffer(values(re * 32, seed: 40)), b = try d.makeBuffer(values(2 * 16, seed: 41)), o = try d.makeBuffer(count: re * 48)
                let mk = try d.makeBuffer(mask), m = RowMask(nodeMask: mk.all, n: n, pairs: true)
                // Two rows of b, each for half the graphs (a sampler's passes).
                try d.concatBroadcastForward(out: o.all, a: a.all, b: b.all, graphs: 2, positions: re / 2, dimA: 32, dimB: 16, symmetricPairs: n, mask: m)
                return try d.download(o.all)
            },
            Case(name: "pooling forward+backward", tolerance: 2e-5) { d in
                let x = try d.makeBuffer(values(re * c, seed: 20)), o = try d.makeBuffer(count: g * 4 * c)
                let go = try d.makeBuffer(values(g * 4 * c, seed: 21)), gx = try d.makeBuffer(count: re * c)
                try d.poolForward(out: o.all, inp: x.all, graphs: g, positions: n * n, dim: c)
                try d.poolBackward(dinp: gx.all, dout: go.all, inp: x.all, out: o.all, graphs: g, positions: n * n, dim: c)
                return try d.download(o.all) + d.download(gx.all)
            },
            Case(name: "symmetrise + masks", tolerance: 1e-6) { d in
                let x = try d.makeBuffer(values(re * c, seed: 22)), o = try d.makeBuffer(count: re * c), gx = try d.makeBuffer(count: re * c)
                let mk = try d.makeBuffer(mask), xn = try d.makeBuffer(values(rn * c, seed: 23))
                let r = try d.makeBuffer(values(re * c, seed: 24)), om = try d.makeBuffer(count: re * c)
                try d.symmetrizePairs(out: om.all, inp: x.all, graphs: g, n: n, dim: c, residual: r.all, nodeMask: mk.all, zeroDiagonal: true)
                try d.symmetrizePairs(out: o.all, inp: x.all, graphs: g, n: n, dim: c)
                try d.symmetrizePairsBackward(dinp: gx.all, dout: x.all, graphs: g, n: n, dim: c)
                try d.applyPairMask(o.all, nodeMask: mk.all, graphs: g, n: n, dim: c, zeroDiagonal: true)
                try d.applyNodeMask(xn.all, nodeMask: mk.all, graphs: g, n: n, dim: c)
                return try d.download(o.all) + d.download(gx.all) + d.download(xn.all) + d.download(om.all)
            },
            Case(name: "attention forward+backward", tolerance: 5e-5) { d in
                let q = try d.makeBuffer(values(rn * c, seed: 24)), k = try d.makeBuffer(values(rn * c, seed: 25)), v = try d.makeBuffer(values(rn * c, seed: 26))
                let e1 = try d.makeBuffer(values(re * c, seed: 27)), e2 = try d.makeBuffer(values(re * c, seed: 28)), mk = try d.makeBuffer(mask)
                let sc = try d.makeBuffer(count: re * c), pr = try d.makeBuffer(count: re * c), wv = try d.makeBuffer(count: rn * c)
                try d.attentionForward(scores: sc.all, probs: pr.all, weightedV: wv.all, q: q.all, k: k.all, v: v.all, e1: e1.all, e2: e2.all,
                                       nodeMask: mk.all, graphs: g, n: n, dim: c, heads: heads)
                let gs = try d.makeBuffer(values(re * c, seed: 29)), gw = try d.makeBuffer(values(rn * c, seed: 30))
                let gq = try d.makeBuffer(count: rn * c), gk = try d.makeBuffer(count: rn * c), gv = try d.makeBuffer(count: rn * c)
                let ge1 = try d.makeBuffer(count: re * c), ge2 = try d.makeBuffer(count: re * c)
                try d.attentionBackward(dq: gq.all, dk: gk.all, dv: gv.all, de1: ge1.all, de2: ge2.all, dscores: gs.all, dweightedV: gw.all,
                                        q: q.all, k: k.all, v: v.all, e1: e1.all, probs: pr.all, nodeMask: mk.all, graphs: g, n: n, dim: c, heads: heads,
                                        maskInputGradients: true)
                return try [sc, pr, wv, gq, gk, gv, ge1, ge2].flatMap { try d.download($0.all) }
            },
            // Sampling's edge path: on a GPU one kernel computes e_mul/e_add tile by tile and finishes
            // the attention from local memory (tensor cores where there are some); elsewhere the ops run apart.
            Case(name: "edge attention, fused (sampling)", tolerance: 5e-5) { d in
                let de = 20
                let e = try d.makeBuffer(values(re * de, seed: 50)), wm = try d.makeBuffer(values(c * de, seed: 51, scale: 0.3))
                let bm = try d.makeBuffer(values(c, seed: 52)), wa = try d.makeBuffer(values(c * de, seed: 53, scale: 0.3))
                let ba = try d.makeBuffer(values(c, seed: 54)), mk = try d.makeBuffer(mask)
                let q = try d.makeBuffer(values(rn * c, seed: 55)), k = try d.makeBuffer(values(rn * c, seed: 56)), v = try d.makeBuffer(values(rn * c, seed: 57))
                let fm = try d.makeBuffer(values(g * c, seed: 58)), fa = try d.makeBuffer(values(g * c, seed: 59))
                let xm = try d.makeBuffer(values(g * c, seed: 64)), xa = try d.makeBuffer(values(g * c, seed: 65))
                let fe = try d.makeBuffer(count: re * c), fx = try d.makeBuffer(count: rn * c)
                let e1 = try d.makeBuffer(count: re * c), e2 = try d.makeBuffer(count: re * c)
                try d.edgeAttentionForward(fe: fe.all, filmedV: fx.all, e: e.all, eMul: (wm.all, bm.all), eAdd: (wa.all, ba.all),
                                           e1: e1.all, e2: e2.all, q: q.all, k: k.all, v: v.all, nodeMask: mk.all,
                                           graphs: g, n: n, dim: c, edgeDim: de, heads: heads,
                                           edgeFilm: (fm.all, fa.all), nodeFilm: (xm.all, xa.all))
                return try d.download(fe.all) + d.download(fx.all)
            },
            // y's update takes three inputs through three linears into one sum: on OpenCL each writes
            // split-K partials (bias in the first slice only) and one reduction sums them all.
            Case(name: "linear sum of three inputs", tolerance: 1e-4) { d in
                let rows = 384, o = 64, dims = [64, 2048, 512]
                let terms = try dims.enumerated().map { j, i in
                    LinearTerm(inp: try d.makeBuffer(values(rows * i, seed: 80 + UInt64(j))).all,
                               weight: try d.makeBuffer(values(o * i, seed: 90 + UInt64(j), scale: 1 / Float(i).squareRoot())).all,
                               bias: try d.makeBuffer(values(o, seed: 100 + UInt64(j))).all, inDim: i)
                }
                let out = try d.makeBuffer(count: rows * o)
                try d.linearSumForward(out: out.all, terms: terms, rows: rows, outDim: o)
                return try d.download(out.all)
            },
            // Three layers of one input at fixed strides (q, k, v): one batched GEMM per product on a GPU.
            Case(name: "linear, batched members", tolerance: 1e-4) { d in
                let rows = 200, i = 96, o = 72, stride = o * i + o + 5
                let x = try d.makeBuffer(values(rows * i, seed: 60)), p = try d.makeBuffer(values(3 * stride, seed: 61, scale: 0.1))
                let y = try d.makeBuffer(count: 3 * rows * o), go = try d.makeBuffer(values(3 * rows * o, seed: 62))
                let gx = try d.makeBuffer(values(rows * i, seed: 63)), gp = try d.makeBuffer(count: 3 * stride)
                try d.linearForward((0..<3).map { z in
                    LinearForwardOperands(out: y.view(z * rows * o, rows * o), inp: x.all, weight: p.view(z * stride, o * i),
                                          bias: p.view(z * stride + o * i, o))
                }, rows: rows, inDim: i, outDim: o)
                try d.linearBackward((0..<3).map { z in
                    LinearBackwardOperands(dinp: gx.all, dweight: gp.view(z * stride, o * i), dbias: gp.view(z * stride + o * i, o),
                                           dout: go.view(z * rows * o, rows * o), inp: x.all, weight: p.view(z * stride, o * i))
                }, rows: rows, inDim: i, outDim: o)
                return try d.download(y.all) + d.download(gx.all) + d.download(gp.all)
            },
            Case(name: "cross-entropy", tolerance: 1e-5) { d in
                let rows = 500, k = 7
                let x = try d.makeBuffer(values(rows * k, seed: 31, scale: 4))
                var targets = [Float](repeating: -1, count: rows)   // classes 0..<k, and some ignored rows
                for r in 0..<rows where r % 9 < k { targets[r] = Float(r % 9) }
                let t = try d.makeBuffer(targets)
                let l = try d.makeBuffer(count: rows), gx = try d.makeBuffer(count: rows * k)
                try d.crossEntropy(losses: l.all, dlogits: gx.all, logits: x.all, targets: t.all, rows: rows, classes: k, gradScale: 0.01)
                return try d.download(l.all) + d.download(gx.all)
            },
            Case(name: "adamw (amsgrad)", tolerance: 1e-6) { d in
                let p = try d.makeBuffer(values(5000, seed: 32)), gr = try d.makeBuffer(values(5000, seed: 33))
                let m = try d.makeBuffer(count: 5000), v = try d.makeBuffer(count: 5000), vm = try d.makeBuffer(count: 5000)
                for s in 1...3 { try d.adamW(params: p.all, grads: gr.all, m: m.all, v: v.all, vMax: vm.all, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: s) }
                return try d.download(p.all) + d.download(vm.all)
            },
            Case(name: "reverse step + sampling + mirror + one-hot", tolerance: 1e-6) { d in
                // Pair rows (2 classes, joint guidance, support truncation, mirrored) and node rows (7
                // classes, three passes) through guidance, posterior and the draw.
                var out: [Float] = []
                for (rows, k, passes, pairNodes) in [(re, 2, 2, n), (rn, 7, 3, 0)] {
                    let logits = try d.makeBuffer(values(passes * rows * k, seed: 34, scale: 3))
                    let zt = try d.makeBuffer((0..<rows).map { Float($0 % 3 == 2 ? -1 : $0 % k) })
                    var chain = [Float](repeating: 0, count: 3 * k * k)   // Q_t, Q̄_s, Q̄_t: uniform mixing of I
                    for (m, keep) in [0.8, 0.5, 0.4].enumerated() {
                        for i in 0..<k { for j in 0..<k { chain[m * k * k + i * k + j] = Float((i == j ? keep : 0) + (1 - keep) / Double(k)) } }
                    }
                    let mix = try d.makeBuffer(passes == 2 ? [3, -2] : [2.5, -1.5, 1.5, 1])
                    let post = try d.makeBuffer(count: rows * k), cls = try d.makeBuffer(count: rows)
                    let oh = try d.makeBuffer(count: 2 * rows * k)
                    try d.reverseStep(out: cls.all, logits: logits.all, passes: passes, mix: mix.all, supportThreshold: 0.2, zt: zt.all,
                                      transitions: try d.makeBuffer(chain).all, rows: rows, classes: k, pairNodes: pairNodes,
                                      seed: 35, stream: 3, posterior: post.all)
                    try d.oneHot(out: oh.all, classes: cls.all, rows: rows, classCount: k, copies: 2)
                    out += try d.download(post.all) + d.download(cls.all) + d.download(oh.all)
                }
                // The marginals' draw of z_T, mirrored.
                let probs = try d.makeBuffer(values(re * 2, seed: 36, scale: 0.5).map { $0 + 0.5 }), cls = try d.makeBuffer(count: re)
                try d.sampleCategorical(out: cls.all, probs: probs.all, rows: re, classes: 2, seed: 37, stream: 4)
                try d.mirrorPairClasses(cls.all, graphs: g, n: n)
                return try out + d.download(cls.all)
            },
        ]
    }
}
