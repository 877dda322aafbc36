import Foundation

// A system BLAS for the CPU device's matrix products, loaded at run time (dlopen), so the binary runs
// where none is installed and the build needs no BLAS headers. OpenBLAS by name first: Debian's
// libblas.so.3 may be the unoptimised reference BLAS (plain loops), so a generic
// BLAS is used only when named by NASDIFF_BLAS.

final class BLAS: @unchecked Sendable {
    /// cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
    private typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float,
                                              UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
                                              Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    /// cblas_sgemv(order, trans, M, N, alpha, A, lda, x, incx, beta, y, incy)
    private typealias SGEMV = @convention(c) (Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                              UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias GetConfig = @convention(c) () -> UnsafePointer<CChar>?

    private static let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112

    /// e.g. "OpenBLAS 0.3.21 … Haswell" (its own description), or the library's file name.
    let name: String
    private let sgemm: SGEMM
    private let sgemv: SGEMV

    /// The libraries tried, in order, when NASDIFF_BLAS names none.
    static let defaultLibraries = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"]

    /// The BLAS the settings ask for (NASDIFF_BLAS: off, or a library to load instead of OpenBLAS),
    /// loaded once per process for the process's settings.
    static func shared(_ settings: Settings) -> BLAS? {
        if settings.blas == "off" { return nil }
        if settings.blas == Settings.process.blas && settings.threads == Settings.process.threads { return processBLAS }
        return load(settings.blas.map { [$0] } ?? defaultLibraries, threads: settings.threads)
    }

    private static let processBLAS: BLAS? = load(Settings.process.blas.map { [$0] } ?? defaultLibraries,
                                                 threads: Settings.process.threads)

    /// The first library of `names` that loads and exports cblas_sgemm; nil when none does.
    /// `threads`: the library's thread count (nil: its default, every core).
    static func load(_ names: [String] = defaultLibraries, threads: Int?) -> BLAS? {
        for file in names {
            guard let handle = dlopen(file, RTLD_NOW | RTLD_LOCAL), let f = dlsym(handle, "cblas_sgemm"),
                  let v = dlsym(handle, "cblas_sgemv") else { continue }
            if let threads, let set = dlsym(handle, "openblas_set_num_threads") {
                unsafeBitCast(set, to: SetThreads.self)(Int32(threads))
            }
            let config = dlsym(handle, "openblas_get_config").flatMap { unsafeBitCast($0, to: GetConfig.self)() }
            return BLAS(name: config.map { String(cString: $0) } ?? file, sgemm: unsafeBitCast(f, to: SGEMM.self),
                        sgemv: unsafeBitCast(v, to: SGEMV.self))
        }
        return nil
    }

    private init(name: String, sgemm: SGEMM, sgemv: SGEMV) { self.name = name; self.sgemm = sgemm; self.sgemv = sgemv }

    /// sums[c] += Σ_r g[r·cols + c] (a bias gradient): gᵀ times a vector of ones.
    func addColumnSums(into sums: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, rows: Int, cols: Int) {
        guard rows > 0, cols > 0 else { return }
        let ones = [Float](repeating: 1, count: rows)
        ones.withUnsafeBufferPointer { x in
            sgemv(Self.rowMajor, Self.trans, Int32(rows), Int32(cols), 1, g, Int32(cols), x.baseAddress, 1, 1, sums, 1)
        }
    }

    /// C[m×n] (row stride ldc) = A·B + bias row (bias nil: 0), or C += A·B when `accumulate`, as
    /// PackedGEMM.multiply. False when a matrix's strides are not a BLAS layout (neither stride is 1),
    /// leaving C untouched.
    func multiply(m: Int, n: Int, k: Int, a: StridedMatrix, b: StridedMatrix,
                  c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, accumulate: Bool) -> Bool {
        guard let (ta, lda) = Self.layout(a, rows: m, cols: k), let (tb, ldb) = Self.layout(b, rows: k, cols: n) else { return false }
        guard m > 0, n > 0 else { return true }
        if !accumulate {
            for i in 0..<m {
                let row = c + i * ldc
                if let bias { row.update(from: bias, count: n) } else { row.update(repeating: 0, count: n) }
            }
        }
        if k == 0 { return true }
        sgemm(Self.rowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1, a.base, Int32(lda), b.base, Int32(ldb),
              1, c, Int32(ldc))
        return true
    }

    /// A `rows` × `cols` operand as BLAS takes it: row-major with leading dimension rowStride when its
    /// columns are adjacent, else the transpose of a row-major matrix with leading dimension colStride.
    private static func layout(_ x: StridedMatrix, rows: Int, cols: Int) -> (Int32, Int)? {
        if x.colStride == 1 && x.rowStride >= max(1, cols) { return (noTrans, x.rowStride) }
        if x.rowStride == 1 && x.colStride >= max(1, rows) { return (trans, x.colStride) }
        return nil
    }
}
