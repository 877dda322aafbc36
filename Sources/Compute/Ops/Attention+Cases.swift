extension OpCase {
    static var attention: [OpCase] {
        let c = 64, heads = 4
        return [OpCase("attention", "forward+backward", tolerance: 5e-5) { d, g in
            let nodes = g * n, pairs = g * n * n, mask = try nodeMask(d, graphs: g)
            let q = try seeded(d, nodes * c, seed: 24), k = try seeded(d, nodes * c, seed: 25), v = try seeded(d, nodes * c, seed: 26)
            let e1 = try seeded(d, pairs * c, seed: 27), e2 = try seeded(d, pairs * c, seed: 28)
            let scores = try zeros(d, pairs * c), probs = try zeros(d, pairs * c), weightedV = try zeros(d, nodes * c)
            let dscores = try seeded(d, pairs * c, seed: 29), dweightedV = try seeded(d, nodes * c, seed: 30)
            let dq = try zeros(d, nodes * c), dk = try zeros(d, nodes * c), dv = try zeros(d, nodes * c)
            let de1 = try zeros(d, pairs * c), de2 = try zeros(d, pairs * c)
            return Call(shape: "\(g)×\(n)×\(n)×\(c), \(heads) heads", work: nil, run: {
                try d.attentionForward(scores: scores, probs: probs, weightedV: weightedV, q: q, k: k, v: v, e1: e1, e2: e2,
                                       nodeMask: mask, graphs: g, n: n, dim: c, heads: heads)
                try d.attentionBackward(dq: dq, dk: dk, dv: dv, de1: de1, de2: de2, dscores: dscores, dweightedV: dweightedV,
                                        q: q, k: k, v: v, e1: e1, probs: probs, nodeMask: mask, graphs: g, n: n, dim: c, heads: heads,
                                        maskInputGradients: true)
            }, outputs: { try download(d, scores, probs, weightedV, dq, dk, dv, de1, de2) })
        }]
    }
}
