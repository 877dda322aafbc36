extension OpCase {
    static var layerNorm: [OpCase] {
        let c = 64
        var cases = [OpCase("layernorm", "forward+backward", tolerance: 2e-5) { d, g in
            let rows = g * n
            let x = try seeded(d, rows * c, seed: 9, scale: 3), gamma = try seeded(d, c, seed: 10), beta = try seeded(d, c, seed: 11)
            let y = try zeros(d, rows * c), mean = try zeros(d, rows), rstd = try zeros(d, rows)
            let dy = try seeded(d, rows * c, seed: 12), dx = try zeros(d, rows * c), dgamma = try zeros(d, c), dbeta = try zeros(d, c)
            return Call(shape: "\(rows)×\(c)", work: nil, run: {
                try d.layerNormForward(out: y, mean: mean, rstd: rstd, inp: x, gamma: gamma, beta: beta, rows: rows, dim: c)
                try d.layerNormBackward(dinp: dx, dgamma: dgamma, dbeta: dbeta, dout: dy, inp: x, mean: mean, rstd: rstd,
                                        gamma: gamma, rows: rows, dim: c)
            }, outputs: { try download(d, y, dx, dgamma, dbeta) })
        }]
        // The residual block's add + LayerNorm + mask as sampling runs it (no stored sum) on a layer's E
        // (pairs × 128) and X (nodes × 512). GB/s counts a and b read and out written.
        for (pairs, dim, what) in [(true, 128, "E"), (false, 512, "X")] {
            cases.append(OpCase("layernorm", "add+LayerNorm+mask \(what)", tolerance: 2e-5) { d, g in
                let rows = g * n * (pairs ? n : 1)
                let a = try seeded(d, rows * dim, seed: 13), b = try seeded(d, rows * dim, seed: 14, scale: 0.5)
                let sum = try zeros(d, rows * dim)   // written only where the ops run apart (CPUs)
                let gamma = try seeded(d, dim, seed: 15), beta = try seeded(d, dim, seed: 16)
                let y = try zeros(d, rows * dim), mean = try zeros(d, rows), rstd = try zeros(d, rows), mask = try nodeMask(d, graphs: g)
                return Call(shape: "\(rows)×\(dim)", work: floats(3 * rows * dim), run: {
                    try d.addLayerNormForward(out: y, mean: mean, rstd: rstd, sum: sum, a: a, b: b, gamma: gamma, beta: beta,
                                              rows: rows, dim: dim, mask: RowMask(nodeMask: mask, n: n, pairs: pairs), keepSum: false)
                }, outputs: { try download(d, y) })
            })
        }
        return cases
    }
}
