// Symmetrisation and the padding masks (Ops/Masks.swift) that follow it in the model.
extension OpCase {
    static var symmetrize: [OpCase] {
        let c = 64
        return [OpCase("symmetrize", "+ masks", tolerance: 1e-6) { d, g in
            let pairs = g * n * n, nodes = g * n, mask = try nodeMask(d, graphs: g)
            let x = try seeded(d, pairs * c, seed: 22), y = try zeros(d, pairs * c), dx = try zeros(d, pairs * c)
            let xn = try seeded(d, nodes * c, seed: 23), residual = try seeded(d, pairs * c, seed: 24), ym = try zeros(d, pairs * c)
            return Call(shape: "\(g)×\(n)×\(n)×\(c)", work: nil, run: {
                try d.symmetrizePairs(out: ym, inp: x, graphs: g, n: n, dim: c, residual: residual, nodeMask: mask, zeroDiagonal: true)
                try d.symmetrizePairs(out: y, inp: x, graphs: g, n: n, dim: c)
                try d.symmetrizePairsBackward(dinp: dx, dout: x, graphs: g, n: n, dim: c)
                try d.applyPairMask(y, nodeMask: mask, graphs: g, n: n, dim: c, zeroDiagonal: true)
                try d.applyNodeMask(xn, nodeMask: mask, graphs: g, n: n, dim: c)
            }, outputs: { try download(d, y, dx, xn, ym) })
        }]
    }
}
