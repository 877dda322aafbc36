extension OpCase {
    static var crossEntropy: [OpCase] {
        [OpCase("cross-entropy", "losses and gradients", tolerance: 1e-5) { d, _ in
            let rows = 500, k = 7
            let logits = try seeded(d, rows * k, seed: 31, scale: 4)
            // Classes 0..<k, and some ignored rows (−1).
            let targets = try d.makeBuffer((0..<rows).map { r in r % 9 < k ? Float(r % 9) : -1 }).all
            let losses = try zeros(d, rows), dlogits = try zeros(d, rows * k)
            return Call(shape: "\(rows)×\(k)", work: nil, run: {
                try d.crossEntropy(losses: losses, dlogits: dlogits, logits: logits, targets: targets, rows: rows, classes: k, gradScale: 0.01)
            }, outputs: { try download(d, losses, dlogits) })
        }]
    }
}
