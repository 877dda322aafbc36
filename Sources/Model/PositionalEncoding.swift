import Foundation

// The tensor2tensor timing signal DiNAS adds to the node features (dinas-spec §3.2): for C channels,
// a block of C/2 sines followed by a block of C/2 cosines, inv_k = exp(−k·ln(1e4)/(C/2 − 1)).
// It is the only thing that tells the network the node order, and so the edge direction.

enum PositionalEncoding {
    /// (positions × width) row-major; only the first `channels` columns are filled, the rest are 0
    /// (the class-embedding half of the node features gets no position signal).
    static func table(positions: Int, channels: Int, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: positions * width)
        let half = channels / 2
        let step = half > 1 ? log(1e4) / Double(half - 1) : 0
        for p in 0..<positions {
            for k in 0..<half {
                let angle = Double(p) * exp(-Double(k) * step)
                out[p * width + k] = Float(sin(angle))
                out[p * width + half + k] = Float(cos(angle))
            }
        }
        return out
    }
}
