// The linear layers that dominate training, per graph of 8 nodes: the edge MLP and attention in/out
// over 64 pairs, node projections over 8 nodes, the y MLP over one row; and a shape that is a
// multiple of no tile, with a K long enough that a GPU splits the weight gradient's K.

extension OpCase {
    static var linear: [OpCase] {
        // (rows, rows per graph, in, out)
        let modelShapes = [("pairs", n * n, 128, 512), ("pairs", n * n, 512, 128), ("nodes", n, 512, 512), ("nodes", n, 512, 256),
                           ("graphs", 1, 64, 2048), ("graphs", 1, 2048, 64)]
        var cases: [OpCase] = []
        for (what, perGraph, i, o) in modelShapes {
            func shape(_ rows: Int) -> String { "\(rows)×\(i)→\(o)" }
            let weightScale = 1 / Float(i).squareRoot()
            cases.append(OpCase("linear", "forward, \(what) \(i)→\(o)", tolerance: 1e-4) { d, g in
                let rows = g * perGraph
                let x = try seeded(d, rows * i, seed: 3), w = try seeded(d, o * i, seed: 4, scale: weightScale)
                let b = try seeded(d, o, seed: 5), y = try zeros(d, rows * o)
                return Call(shape: shape(rows), work: .flops(2 * Double(rows * i * o)), run: {
                    try d.linearForward(out: y, inp: x, weight: w, bias: b, rows: rows, inDim: i, outDim: o)
                }, outputs: { try download(d, y) })
            })
            // Backward adds into its gradients; repeated runs only grow them, which does not change the time.
            cases.append(OpCase("linear", "backward, \(what) \(i)→\(o)", tolerance: 1e-4) { d, g in
                let rows = g * perGraph
                let x = try seeded(d, rows * i, seed: 6), w = try seeded(d, o * i, seed: 7, scale: weightScale)
                let dy = try seeded(d, rows * o, seed: 8, scale: 0.01)
                let dx = try zeros(d, rows * i), dw = try zeros(d, o * i), db = try zeros(d, o)
                return Call(shape: shape(rows), work: .flops(4 * Double(rows * i * o)), run: {
                    try d.linearBackward(dinp: dx, dweight: dw, dbias: db, dout: dy, inp: x, weight: w, rows: rows, inDim: i, outDim: o)
                }, outputs: { try download(d, dx, dw, db) })
            })
        }
        cases.append(OpCase("linear", "odd sizes, split-K", tolerance: 1e-4) { d, _ in
            let rows = 3001, i = 136, o = 520
            let x = try seeded(d, rows * i, seed: 40), w = try seeded(d, o * i, seed: 41, scale: 0.1)
            let b = try seeded(d, o, seed: 42), y = try zeros(d, rows * o)
            let dy = try seeded(d, rows * o, seed: 43, scale: 0.1), dx = try seeded(d, rows * i, seed: 44)
            let dw = try zeros(d, o * i), db = try zeros(d, o)
            return Call(shape: "\(rows)×\(i)→\(o)", work: nil, run: {
                try d.linearForward(out: y, inp: x, weight: w, bias: b, rows: rows, inDim: i, outDim: o)
                try d.linearBackward(dinp: dx, dweight: dw, dbias: db, dout: dy, inp: x, weight: w, rows: rows, inDim: i, outDim: o)
            }, outputs: { try download(d, y, dx, dw, db) })
        })
        return cases
    }

    /// Three layers of one input at fixed strides (q, k, v): one batched GEMM per product on a GPU.
    static var linearBatch: [OpCase] {
        [OpCase("linear batch", "three members", tolerance: 1e-4) { d, _ in
            let rows = 200, i = 96, o = 72, stride = o * i + o + 5
            let x = try seeded(d, rows * i, seed: 60), p = try seeded(d, 3 * stride, seed: 61, scale: 0.1)
            let y = try zeros(d, 3 * rows * o), dy = try seeded(d, 3 * rows * o, seed: 62)
            let dx = try seeded(d, rows * i, seed: 63), dp = try zeros(d, 3 * stride)
            return Call(shape: "3×\(rows)×\(i)→\(o)", work: nil, run: {
                try d.linearForward((0..<3).map { z in
                    LinearForwardOperands(out: y.sub(z * rows * o, rows * o), inp: x, weight: p.sub(z * stride, o * i),
                                          bias: p.sub(z * stride + o * i, o))
                }, rows: rows, inDim: i, outDim: o)
                try d.linearBackward((0..<3).map { z in
                    LinearBackwardOperands(dinp: dx, dweight: dp.sub(z * stride, o * i), dbias: dp.sub(z * stride + o * i, o),
                                           dout: dy.sub(z * rows * o, rows * o), inp: x, weight: p.sub(z * stride, o * i))
                }, rows: rows, inDim: i, outDim: o)
            }, outputs: { try download(d, y, dx, dp) })
        }]
    }

    /// y's update takes three inputs through three linears into one sum: on OpenCL each writes split-K
    /// partials (bias in the first slice only) and one reduction sums them all.
    static var linearSum: [OpCase] {
        [OpCase("linear sum", "three inputs", tolerance: 1e-4) { d, _ in
            let rows = 384, o = 64, dims = [64, 2048, 512]
            let terms = try dims.enumerated().map { j, i in
                LinearTerm(inp: try seeded(d, rows * i, seed: 80 + UInt64(j)),
                           weight: try seeded(d, o * i, seed: 90 + UInt64(j), scale: 1 / Float(i).squareRoot()),
                           bias: try seeded(d, o, seed: 100 + UInt64(j)), inDim: i)
            }
            let y = try zeros(d, rows * o)
            return Call(shape: "\(rows)×(\(dims.map(String.init).joined(separator: "+")))→\(o)", work: nil,
                        run: { try d.linearSumForward(out: y, terms: terms, rows: rows, outDim: o) },
                        outputs: { try download(d, y) })
        }]
    }
}
