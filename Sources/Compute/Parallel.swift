import Foundation

// The Swift twin runs on all cores through `parallelFor`. Raw pointers are not Sendable in Swift 6;
// `Ptr` and `ConstPtr` mark the places where we promise that threads write disjoint ranges.

public struct Ptr: @unchecked Sendable {
    public let p: UnsafeMutablePointer<Float>
    public init(_ p: UnsafeMutablePointer<Float>) { self.p = p }
    @inline(__always) public subscript(i: Int) -> Float {
        get { p[i] }
        nonmutating set { p[i] = newValue }
    }
    @inline(__always) public static func + (a: Ptr, off: Int) -> Ptr { Ptr(a.p + off) }
    /// Floats i ..< i + 8 as one SIMD8, for loops the compiler does not vectorise by itself.
    @inline(__always) func lanes(_ i: Int) -> SIMD8<Float> { UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) }
    @inline(__always) func setLanes(_ i: Int, _ value: SIMD8<Float>) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}

public enum Parallel {
    /// Number of worker threads the Swift twin uses (one pool per process): the active processors
    /// unless the settings say otherwise.
    public static let threads: Int = Settings.process.threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(range)` over contiguous chunks of 0..<count, one per worker. For elementwise loops:
    /// the body's own inner loop vectorises, where a closure call per element would not.
    @inline(__always)
    public static func forChunks(_ count: Int, costPerItem: Int = 1, _ body: @Sendable (Range<Int>) -> Void) {
        if count <= 0 { return }
        let workers = min(threads, count)
        if workers <= 1 || count * costPerItem < 32_768 { return body(0..<count) }
        let chunk = (count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * chunk, hi = min(count, lo + chunk)
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Runs `body(i)` for i in 0..<count, split into contiguous chunks over the worker threads.
    /// Small loops (`count * costPerItem < 32k`) run inline: a thread hop costs more than they do.
    @inline(__always)
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: @Sendable (Int) -> Void) {
        if count <= 0 { return }
        let workers = min(threads, count)
        if workers <= 1 || count * costPerItem < 32_768 {
            for i in 0..<count { body(i) }
            return
        }
        let chunk = (count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * chunk, hi = min(count, lo + chunk)
            if lo < hi { for i in lo..<hi { body(i) } }
        }
    }
}
