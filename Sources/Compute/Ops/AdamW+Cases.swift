extension OpCase {
    static var adamW: [OpCase] {
        [OpCase("adamw", "three amsgrad steps", tolerance: 1e-6) { d, _ in
            let count = 5000
            let p = try seeded(d, count, seed: 32), grads = try seeded(d, count, seed: 33)
            let m = try zeros(d, count), v = try zeros(d, count), vMax = try zeros(d, count)
            return Call(shape: "\(count) parameters", work: nil, run: {
                for step in 1...3 {
                    try d.adamW(params: p, grads: grads, m: m, v: v, vMax: vMax, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8,
                                weightDecay: 0.01, step: step)
                }
            }, outputs: { try download(d, p, vMax) })
        }]
    }
}
