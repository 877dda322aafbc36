// The Swift backend's matrix multiply, C = A·B (+ a bias row) or C += A·B, for A and B given by any
// strides (so the linear layer's three products, X·Wᵀ, dOut·W and dOutᵀ·X, are one routine).
// Cache-blocked the BLIS way: per K-block, B is packed once into 8-column panels shared by all threads;
// each task packs its block of A into 6-row panels and runs a 6×8 register micro-kernel over them, so
// the hot loop reads both operands contiguously whatever their layout in memory.
//
// Why 6×8 of SIMD8<Float>: the default x86-64 build targets SSE2, where one SIMD8 is two xmm registers;
// 6×8 is the largest tile whose accumulators (12 xmm) fit in 16 registers with room for B and the
// broadcast. Measured on the 2-core EPYC, one core: 31.5 GFLOP/s (SSE2 build), 74 GFLOP/s (built with
// -target-cpu haswell); 6×16 spills in the haswell build (no fma contraction, so each product needs a
// temporary) and 4×16 is slower in both.

/// A read-only matrix seen through strides: element (i, j) is base[i·rowStride + j·colStride].
struct StridedMatrix: @unchecked Sendable {
    let base: UnsafePointer<Float>
    let rowStride: Int
    let colStride: Int

    @inline(__always) subscript(i: Int, j: Int) -> Float { base[i &* rowStride &+ j &* colStride] }
}

enum PackedGEMM {
    typealias Lanes = SIMD8<Float>
    static let mr = 6           // micro-tile rows
    static let nr = 8           // micro-tile columns (one SIMD8)
    static let kc = 256         // K-block: a B micro-panel (kc·nr floats = 8 KiB) stays in L1
    static let mc = 96          // M-block: a packed A block (mc·kc floats = 96 KiB) stays in L2

    /// How the micro-kernel starts its accumulators on the first K-block.
    enum Start { case zero, bias(UnsafePointer<Float>), accumulate }

    /// C[m×n] (row stride ldc) = A[m×k]·B[k×n] + bias (bias nil: no bias), or C += A·B when
    /// `accumulate`. Runs on all threads of `Parallel`; each task writes a disjoint block of C.
    static func multiply(m: Int, n: Int, k: Int, a: StridedMatrix, b: StridedMatrix,
                         c: UnsafeMutablePointer<Float>, ldc: Int,
                         bias: UnsafePointer<Float>?, accumulate: Bool) {
        guard m > 0, n > 0 else { return }
        let cOut = Ptr(c)
        if k == 0 {
            if !accumulate {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] = bias?[j] ?? 0 } }
            }
            return
        }
        let nPanels = (n + nr - 1) / nr
        let mBlocks = (m + mc - 1) / mc
        // Few row blocks (dW has m = outDim): also split the columns so both threads get work.
        let ncPanels = mBlocks >= 4 * Parallel.threads ? nPanels : min(nPanels, 128 / nr)
        let nBlocks = (nPanels + ncPanels - 1) / ncPanels
        let tasks = mBlocks * nBlocks

        let packedB = UnsafeMutablePointer<Float>.allocate(capacity: nPanels * nr * min(k, kc))
        defer { packedB.deallocate() }
        let bPack = Ptr(packedB)
        let biasRow = bias.map { Ptr(UnsafeMutablePointer(mutating: $0)) }   // Sendable wrapper

        var p0 = 0
        while p0 < k {
            let kcCur = min(kc, k - p0)
            let first = p0 == 0
            let pStart = p0
            Parallel.forEach(nPanels, costPerItem: kcCur * nr) { jp in
                packB(b, k0: pStart, kc: kcCur, j0: jp * nr, n: n, into: bPack.p + jp * kcCur * nr)
            }
            Parallel.forEach(tasks, costPerItem: max(1, mc * ncPanels * nr * kcCur / 8)) { t in
                let ib = t / nBlocks, jb = t % nBlocks
                let i0 = ib * mc, mcCur = min(mc, m - i0)
                let aPanels = (mcCur + mr - 1) / mr
                let packedA = UnsafeMutablePointer<Float>.allocate(capacity: aPanels * mr * kcCur)
                defer { packedA.deallocate() }
                packA(a, i0: i0, rows: mcCur, k0: pStart, kc: kcCur, into: packedA)
                let jpEnd = min(nPanels, (jb + 1) * ncPanels)
                for jp in (jb * ncPanels)..<jpEnd {
                    let j0 = jp * nr, cols = min(nr, n - j0)
                    let start: Start = !first || accumulate ? .accumulate : (biasRow.map { .bias(UnsafePointer($0.p + j0)) } ?? .zero)
                    let bPanel = UnsafePointer(bPack.p + jp * kcCur * nr)
                    for ip in 0..<aPanels {
                        let r0 = ip * mr
                        microKernel(kc: kcCur, a: packedA + ip * mr * kcCur, b: bPanel,
                                    c: cOut.p + (i0 + r0) * ldc + j0, ldc: ldc,
                                    rows: min(mr, mcCur - r0), cols: cols, start: start)
                    }
                }
            }
            p0 += kcCur
        }
    }

    /// Packs rows i0..<i0+rows, columns k0..<k0+kc of A as 6-row panels, k-major inside a panel
    /// (dst[(panel·kc + k)·6 + r]), zero-filling the rows past the end of the last panel. The loop
    /// order follows whichever of A's strides is 1, so the reads are contiguous (dW reads dOutᵀ).
    static func packA(_ a: StridedMatrix, i0: Int, rows: Int, k0: Int, kc: Int, into dst: UnsafeMutablePointer<Float>) {
        let panels = (rows + mr - 1) / mr
        for ip in 0..<panels {
            let d = dst + ip * mr * kc
            let r0 = i0 + ip * mr, live = min(mr, rows - ip * mr)
            if a.colStride == 1 {
                for r in 0..<live {
                    let src = a.base + (r0 + r) * a.rowStride + k0
                    for kk in 0..<kc { d[kk * mr + r] = src[kk] }
                }
            } else {
                for kk in 0..<kc {
                    for r in 0..<live { d[kk * mr + r] = a[r0 + r, k0 + kk] }
                }
            }
            for r in live..<mr {
                for kk in 0..<kc { d[kk * mr + r] = 0 }
            }
        }
    }

    /// Packs rows k0..<k0+kc, columns j0..<j0+8 of B as one panel (dst[k·8 + c]), zero-filling
    /// the columns past n.
    static func packB(_ b: StridedMatrix, k0: Int, kc: Int, j0: Int, n: Int, into dst: UnsafeMutablePointer<Float>) {
        let cols = min(nr, n - j0)
        if b.colStride == 1 {
            for kk in 0..<kc {
                let src = b.base + (k0 + kk) * b.rowStride + j0
                let d = dst + kk * nr
                for c in 0..<cols { d[c] = src[c] }
                for c in cols..<nr { d[c] = 0 }
            }
        } else {
            for c in 0..<nr {
                if c >= cols {
                    for kk in 0..<kc { dst[kk * nr + c] = 0 }
                } else {
                    for kk in 0..<kc { dst[kk * nr + c] = b[k0 + kk, j0 + c] }
                }
            }
        }
    }

    /// C[rows×cols] (≤ 6×8) = start + Σ_k a[k]ᵀ·b[k] over packed panels. Rows and columns past the
    /// edge of C are computed on zero padding and not stored.
    @inline(__always)
    static func microKernel(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, start: Start) {
        var c0 = Lanes(), c1 = Lanes(), c2 = Lanes(), c3 = Lanes(), c4 = Lanes(), c5 = Lanes()
        switch start {
        case .zero: break
        case .bias(let p):
            let v = load(p, cols)
            c0 = v; c1 = v; c2 = v; c3 = v; c4 = v; c5 = v
        case .accumulate:
            c0 = load(c, cols)
            if rows > 1 { c1 = load(c + ldc, cols) }
            if rows > 2 { c2 = load(c + 2 * ldc, cols) }
            if rows > 3 { c3 = load(c + 3 * ldc, cols) }
            if rows > 4 { c4 = load(c + 4 * ldc, cols) }
            if rows > 5 { c5 = load(c + 5 * ldc, cols) }
        }
        var ap = a, bp = b
        for _ in 0..<kc {
            let bv = UnsafeRawPointer(bp).loadUnaligned(as: Lanes.self)
            c0 += Lanes(repeating: ap[0]) * bv
            c1 += Lanes(repeating: ap[1]) * bv
            c2 += Lanes(repeating: ap[2]) * bv
            c3 += Lanes(repeating: ap[3]) * bv
            c4 += Lanes(repeating: ap[4]) * bv
            c5 += Lanes(repeating: ap[5]) * bv
            ap += mr
            bp += nr
        }
        store(c0, c, cols)
        if rows > 1 { store(c1, c + ldc, cols) }
        if rows > 2 { store(c2, c + 2 * ldc, cols) }
        if rows > 3 { store(c3, c + 3 * ldc, cols) }
        if rows > 4 { store(c4, c + 4 * ldc, cols) }
        if rows > 5 { store(c5, c + 5 * ldc, cols) }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ count: Int) -> Lanes {
        if count >= nr { return UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
        var v = Lanes()
        for j in 0..<count { v[j] = p[j] }
        return v
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> Lanes { load(UnsafePointer(p), count) }

    @inline(__always)
    static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= nr { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self); return }
        for j in 0..<count { p[j] = v[j] }
    }
}
