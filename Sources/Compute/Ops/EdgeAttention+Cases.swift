extension OpCase {
    static var edgeAttention: [OpCase] {
        // Sampling's edge path with the choice the device makes itself, at widths that fill no tile.
        var cases = [OpCase("edge attention", "sampling path", tolerance: 5e-5) { d, g in
            try call(d, graphs: g, dim: 64, edgeDim: 20, heads: 4, fused: nil, timed: false)
        }]
        // At the dinas preset's widths, apart and (where kernels run) fused. GFLOP/s counts the GEMM's
        // 2·pairs·de·2·dim.
        cases.append(OpCase("edge attention", "apart", tolerance: 5e-5) { d, g in
            try call(d, graphs: g, dim: 512, edgeDim: 128, heads: 8, fused: false)
        })
        cases.append(OpCase("edge attention", "fused", tolerance: 5e-5, kernelsOnly: true) { d, g in
            try call(d, graphs: g, dim: 512, edgeDim: 128, heads: 8, fused: true)
        })
        return cases
    }

    private static func call(_ d: Device, graphs g: Int, dim c: Int, edgeDim de: Int, heads: Int, fused: Bool?,
                             timed: Bool = true) throws -> Call {
        let nodes = g * n, pairs = g * n * n, mask = try nodeMask(d, graphs: g)
        let weightScale = 1 / Float(de).squareRoot()
        let e = try seeded(d, pairs * de, seed: 50), wMul = try seeded(d, c * de, seed: 51, scale: weightScale)
        let bMul = try seeded(d, c, seed: 52), wAdd = try seeded(d, c * de, seed: 53, scale: weightScale), bAdd = try seeded(d, c, seed: 54)
        let q = try seeded(d, nodes * c, seed: 55), k = try seeded(d, nodes * c, seed: 56), v = try seeded(d, nodes * c, seed: 57)
        let edgeMul = try seeded(d, g * c, seed: 58), edgeAdd = try seeded(d, g * c, seed: 59)
        let nodeMul = try seeded(d, g * c, seed: 64), nodeAdd = try seeded(d, g * c, seed: 65)
        let fe = try zeros(d, pairs * c), filmedV = try zeros(d, nodes * c)
        let e1 = try zeros(d, pairs * c), e2 = try zeros(d, pairs * c)
        // Packed once, as sampling does (GraphTransformer.prepareForSampling), where the device fuses.
        let packed = fused == false ? nil : try d.packEdgeAttentionWeights(eMul: wMul, eAdd: wAdd, dim: c, edgeDim: de, n: n)
        return Call(shape: "\(pairs) pairs, \(de)→2×\(c)", work: timed ? .flops(2 * Double(pairs * de * 2 * c)) : nil, run: {
            try d.edgeAttentionForward(fe: fe, filmedV: filmedV, e: e, eMul: (wMul, bMul), eAdd: (wAdd, bAdd), e1: e1, e2: e2,
                                       q: q, k: k, v: v, nodeMask: mask, graphs: g, n: n, dim: c, edgeDim: de, heads: heads,
                                       edgeFilm: (edgeMul, edgeAdd), nodeFilm: (nodeMul, nodeAdd), packedWeights: packed, fused: fused)
        }, outputs: { try download(d, fe, filmedV) })
    }
}
