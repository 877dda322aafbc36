extension OpCase {
    static var film: [OpCase] {
        let c = 64
        return [OpCase("film", "forward+backward", tolerance: 2e-5) { d, g in
            let rows = g * n * n
            let x = try seeded(d, rows * c, seed: 13), mul = try seeded(d, g * c, seed: 14), add = try seeded(d, g * c, seed: 15)
            let y = try zeros(d, rows * c), dy = try seeded(d, rows * c, seed: 16)
            let dx = try zeros(d, rows * c), dmul = try zeros(d, g * c), dadd = try zeros(d, g * c)
            return Call(shape: "\(g)×\(n * n)×\(c)", work: nil, run: {
                try d.filmForward(out: y, inp: x, mul: mul, add: add, graphs: g, positions: n * n, dim: c)
                try d.filmBackward(dinp: dx, dmul: dmul, dadd: dadd, dout: dy, inp: x, mul: mul, graphs: g, positions: n * n, dim: c)
            }, outputs: { try download(d, y, dx, dmul, dadd) })
        }]
    }
}
