// Shared by the test targets: central finite differences, the independent check of every backward.

/// Central finite differences of a scalar function, evaluated in Double on the host:
/// g[i] ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h. Checks only `indices` (all when nil) to stay fast.
public func numericGradient(_ x: [Float], h: Float = 1e-2, indices: [Int]? = nil,
                            _ f: ([Float]) throws -> Double) rethrows -> [Int: Double] {
    var out: [Int: Double] = [:]
    var xp = x
    for i in indices ?? Array(x.indices) {
        let orig = xp[i]
        xp[i] = orig + h; let fp = try f(xp)
        xp[i] = orig - h; let fm = try f(xp)
        xp[i] = orig
        out[i] = (fp - fm) / Double(2 * h)
    }
    return out
}
