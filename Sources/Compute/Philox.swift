// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
// a counter-based generator, so any row's random number is a pure function of (seed, row, stream)
// and the host, PoCL and a GPU all draw the same value without sharing any state.
// Kernels/sampling.cl holds the kernel twin; the two must stay bit-identical.

public enum Philox4x32 {
    static let multiplier0: UInt32 = 0xD251_1F53
    static let multiplier1: UInt32 = 0xCD9E_8D57
    static let weyl0: UInt32 = 0x9E37_79B9
    static let weyl1: UInt32 = 0xBB67_AE85

    public typealias Counter = (UInt32, UInt32, UInt32, UInt32)
    public typealias Key = (UInt32, UInt32)

    /// The ten-round Philox4x32 bijection of `counter` under `key`.
    public static func block(counter: Counter, key: Key) -> Counter {
        var c = counter
        var k = key
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= weyl0
                k.1 &+= weyl1
            }
            let product0 = UInt64(multiplier0) * UInt64(c.0)
            let product1 = UInt64(multiplier1) * UInt64(c.2)
            let hi0 = UInt32(truncatingIfNeeded: product0 >> 32), lo0 = UInt32(truncatingIfNeeded: product0)
            let hi1 = UInt32(truncatingIfNeeded: product1 >> 32), lo1 = UInt32(truncatingIfNeeded: product1)
            c = (hi1 ^ c.1 ^ k.0, lo1, hi0 ^ c.3 ^ k.1, lo0)
        }
        return c
    }

    /// The stream definition every sampler shares: key = seed (low word first), counter =
    /// (row low, row high, stream low, stream high); u = top 24 bits of the first output word · 2⁻²⁴,
    /// so u ∈ [0, 1) is exact in Float and never 1.
    public static func uniform(seed: UInt64, row: UInt64, stream: UInt64) -> Float {
        let out = block(counter: (UInt32(truncatingIfNeeded: row), UInt32(truncatingIfNeeded: row >> 32),
                                  UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)),
                        key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
        return Float(out.0 >> 8) * 0x1p-24
    }
}
