// The reverse step and the draws around it (Ops/Sampling.swift): guidance, posterior, the draw, the
// mirror of pair classes and the one-hot of the next step's input.
extension OpCase {
    static var reverseStep: [OpCase] {
        [OpCase("reverse step", "+ sampling, mirror, one-hot", tolerance: 1e-6) { d, g in
            let nodes = g * n, pairs = g * n * n
            // Pair rows (2 classes, joint guidance, support truncation, mirrored) and node rows (7
            // classes, three passes) through guidance, posterior and the draw.
            var steps: [() throws -> [Float]] = []
            for (rows, k, passes, pairNodes) in [(pairs, 2, 2, n), (nodes, 7, 3, 0)] {
                let logits = try seeded(d, passes * rows * k, seed: 34, scale: 3)
                let zt = try d.makeBuffer((0..<rows).map { Float($0 % 3 == 2 ? -1 : $0 % k) }).all
                var chain = [Float](repeating: 0, count: 3 * k * k)   // Q_t, Q̄_s, Q̄_t: uniform mixing of I
                for (m, keep) in [0.8, 0.5, 0.4].enumerated() {
                    for i in 0..<k { for j in 0..<k { chain[m * k * k + i * k + j] = Float((i == j ? keep : 0) + (1 - keep) / Double(k)) } }
                }
                let transitions = try d.makeBuffer(chain).all
                let mix = try d.makeBuffer(passes == 2 ? [3, -2] : [2.5, -1.5, 1.5, 1]).all
                let posterior = try zeros(d, rows * k), classes = try zeros(d, rows), oneHot = try zeros(d, 2 * rows * k)
                steps.append {
                    try d.reverseStep(out: classes, logits: logits, passes: passes, mix: mix, supportThreshold: 0.2, zt: zt,
                                      transitions: transitions, rows: rows, classes: k, pairNodes: pairNodes,
                                      seed: 35, stream: 3, posterior: posterior)
                    try d.oneHot(out: oneHot, classes: classes, rows: rows, classCount: k, copies: 2)
                    return try download(d, posterior, classes, oneHot)
                }
            }
            // The marginals' draw of z_T, mirrored.
            let probs = try d.makeBuffer(values(pairs * 2, seed: 36, scale: 0.5).map { $0 + 0.5 }).all, drawn = try zeros(d, pairs)
            var outputs: [Float] = []
            return Call(shape: "\(g)×\(n) nodes", work: nil, run: {
                outputs = try steps.flatMap { try $0() }
                try d.sampleCategorical(out: drawn, probs: probs, rows: pairs, classes: 2, seed: 37, stream: 4)
                try d.mirrorPairClasses(drawn, graphs: g, n: n)
                outputs += try download(d, drawn)
            }, outputs: { outputs })
        }]
    }
}
