// Elementwise cases over a layer's pair hidden activations (graphs · 64 pairs × 512); GB/s counts
// every float read and written once.

extension OpCase {
    static var elementwise: [OpCase] {
        func count(_ graphs: Int) -> Int { graphs * n * n * 512 }
        func shape(_ graphs: Int) -> String { "\(count(graphs) >> 10)K floats" }
        return [
            OpCase("elementwise", "relu forward", tolerance: 1e-6) { d, g in
                let x = try seeded(d, count(g), seed: 1), o = try zeros(d, count(g))
                return Call(shape: shape(g), work: floats(2 * count(g)), run: { try d.reluForward(out: o, inp: x) },
                            outputs: { try download(d, o) })
            },
            OpCase("elementwise", "relu backward", tolerance: 1e-6) { d, g in
                let o = try seeded(d, count(g), seed: 1), go = try seeded(d, count(g), seed: 2), gi = try zeros(d, count(g))
                return Call(shape: shape(g), work: floats(4 * count(g)), run: { try d.reluBackward(dinp: gi, dout: go, out: o) },
                            outputs: { try download(d, gi) })
            },
            OpCase("elementwise", "add", tolerance: 1e-6) { d, g in
                let a = try seeded(d, count(g), seed: 3), b = try seeded(d, count(g), seed: 4), o = try zeros(d, count(g))
                return Call(shape: shape(g), work: floats(3 * count(g)), run: { try d.add(out: o, a, b) },
                            outputs: { try download(d, o) })
            },
            // a = b = 0.5 keeps y bounded however often it runs.
            OpCase("elementwise", "axpby", tolerance: 1e-6) { d, g in
                let x = try seeded(d, count(g), seed: 5), y = try seeded(d, count(g), seed: 6)
                return Call(shape: shape(g), work: floats(3 * count(g)), run: { try d.axpby(y, x, a: 0.5, b: 0.5) },
                            outputs: { try download(d, y) })
            },
        ]
    }
}
