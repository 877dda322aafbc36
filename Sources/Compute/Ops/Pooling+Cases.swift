extension OpCase {
    static var pooling: [OpCase] {
        let c = 64
        var cases = [OpCase("pooling", "forward+backward", tolerance: 2e-5) { d, g in
            let rows = g * n * n
            let x = try seeded(d, rows * c, seed: 20), y = try zeros(d, g * 4 * c)
            let dy = try seeded(d, g * 4 * c, seed: 21), dx = try zeros(d, rows * c)
            return Call(shape: "\(g)×\(n * n)×\(c)", work: nil, run: {
                try d.poolForward(out: y, inp: x, graphs: g, positions: n * n, dim: c)
                try d.poolBackward(dinp: dx, dout: dy, inp: x, out: y, graphs: g, positions: n * n, dim: c)
            }, outputs: { try download(d, y, dx) })
        }]
        // A layer's X (8 positions × 512) and E (64 positions × 128) with both forward kernels
        // (poolGroupMinPositions picks between them on a GPU). GB/s counts the input read once and the
        // output written.
        for (positions, dim, what) in [(n, 512, "X"), (n * n, 128, "E")] {
            for group in [true, false] {
                cases.append(OpCase("pooling", "forward \(what), \(group ? "group per graph" : "item per column")", tolerance: 2e-5,
                                    kernelsOnly: true) { d, g in
                    let x = try seeded(d, g * positions * dim, seed: 22), y = try zeros(d, g * 4 * dim)
                    return Call(shape: "\(g)×\(positions)×\(dim)", work: floats(g * (positions + 4) * dim), run: {
                        try d.poolForward(out: y, inp: x, graphs: g, positions: positions, dim: dim, groupPerGraph: group)
                    }, outputs: { try download(d, y) })
                })
            }
        }
        return cases
    }
}
