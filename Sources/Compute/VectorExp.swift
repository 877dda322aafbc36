// e^x for eight floats at once, for the CPU path's softmax (Ops/Attention.swift): the twin calls expf
// per element, a call the compiler cannot vectorise and the largest non-GEMM cost of sampling on the
// CPU. Cephes' expf: x = k·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 split in two parts so r is exact),
// e^r by a polynomial, times 2^k built in the exponent bits. Within 1 ulp of expf on [−87, 88]
// (VectorExpTests). Inputs are clamped to [−87.34, 88]: below, it returns e^−87.34 ≈ 1.2e−38 where expf
// gives a subnormal or 0; above, e^88. A softmax's x − max is ≤ 0, so neither end matters there.

enum VectorExp {
    typealias V = SIMD8<Float>

    // Comparisons, masks and bit casts only: SIMD's clamped(), rounded() and Int32(rounding:) go through
    // generic per-lane code, slower than expf itself.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let lo = V(repeating: -87.33654), hi = V(repeating: 88)
        var x = x.replacing(with: lo, where: x .< lo)
        x = x.replacing(with: hi, where: x .> hi)
        // Adding 1.5·2^23 rounds x·log2(e) to the integer k, which lands in the sum's low mantissa bits.
        let shifter = V(repeating: 12582912)
        let t = x * 1.44269504088896341 + shifter
        let k = t - shifter
        let r = x - k * 0.693359375 + k * 2.12194440e-4
        var p = 1.9875691500e-4 * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        // 2^k, k in [−126, 127] after the clamp: k + 127 in the exponent field.
        let kBits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(shifter, to: SIMD8<Int32>.self)
        return y * unsafeBitCast((kBits &+ 127) &<< 23, to: V.self)
    }
}
