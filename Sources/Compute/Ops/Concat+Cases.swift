extension OpCase {
    static var concat: [OpCase] {
        var cases = [
            OpCase("concat", "positional+mask forward+backward", tolerance: 1e-5) { d, g in
                let rows = g * n
                let a = try seeded(d, rows * 32, seed: 17), b = try seeded(d, g * 16, seed: 18), table = try seeded(d, n * 48, seed: 19)
                let y = try zeros(d, rows * 48), da = try zeros(d, rows * 32), db = try zeros(d, g * 16)
                let mask = RowMask(nodeMask: try nodeMask(d, graphs: g), n: n, pairs: false)
                return Call(shape: "\(rows)×(32+16)", work: nil, run: {
                    try d.concatBroadcastForward(out: y, a: a, b: b, graphs: g, positions: n, dimA: 32, dimB: 16,
                                                 positional: (table, n), mask: mask)
                    try d.concatBroadcastBackward(da: da, db: db, dout: y, graphs: g, positions: n, dimA: 32, dimB: 16)
                }, outputs: { try download(d, y, da, db) })
            },
        ]
        // The model's input assembly as sampling runs it, two rows of class embeddings (the passes),
        // each for half the graphs: E symmetrised and pair-masked (64 + 64), X with the positional
        // table and node mask (256 + 256). GB/s counts a read once and out written.
        for (pairs, dimA, dimB, what) in [(true, 64, 64, "E"), (false, 256, 256, "X")] {
            cases.append(OpCase("concat", "input assembly \(what)", tolerance: 1e-6) { d, g in
                let rows = g * n * (pairs ? n : 1), width = dimA + dimB
                let a = try seeded(d, rows * dimA, seed: 20), b = try seeded(d, 2 * dimB, seed: 21), y = try zeros(d, rows * width)
                let table = try seeded(d, n * width, seed: 22, scale: 0.1), mask = try nodeMask(d, graphs: g)
                return Call(shape: "\(rows)×(\(dimA)+\(dimB))", work: floats(rows * (dimA + width)), run: {
                    try d.concatBroadcastForward(out: y, a: a, b: b, graphs: 2, positions: rows / 2, dimA: dimA, dimB: dimB,
                                                 symmetricPairs: pairs ? n : nil, positional: pairs ? nil : (table, n),
                                                 mask: RowMask(nodeMask: mask, n: n, pairs: pairs))
                }, outputs: { try download(d, y) })
            })
        }
        return cases
    }
}
