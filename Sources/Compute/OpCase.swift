// One way of calling one op with seeded inputs: the unit that `nasdiff selftest` and the op's test
// check against the Swift twin, and that `nasdiff bench kernels` times (llm.c's dev/cuda files keep
// one kernel's reference, check and timing together the same way). Each op's cases live beside it,
// in Ops/<Op>+Cases.swift; `OpCase.all` lists them in one place.
//
// A case is prepared for a number of graphs of 8 nodes: checks use few (`checkGraphs`, fast on a
// CPU), the benchmark the training batch (`benchGraphs`); cases whose shape does not scale (odd sizes
// that probe a GEMM's seams) ignore it. Tolerances: ops that do the same float operations in the
// same order get 1e-6; reductions whose order differs between a GPU and the twin (GEMM, LayerNorm,
// pooling, softmax-weighted sums) get a bound relative to the size of the sum (≈ K·2⁻²³·|values|).

public struct OpCase {
    /// What one call does, for a rate: floating-point operations (GEMMs) or bytes moved (the rest).
    public enum Work { case flops(Double), bytes(Double) }

    /// A case's buffers, made on one device, and the call on them.
    public struct Call {
        /// e.g. "24576×128→512" (rows × in → out).
        public let shape: String
        /// nil: checked, not timed (shapes that do not scale, chains of several ops).
        public let work: Work?
        /// The op. Repeating it must keep its outputs finite (benchmarks run it back to back).
        let run: () throws -> Void
        /// What is compared with the twin after one run.
        let outputs: () throws -> [Float]
    }

    /// The op's name as in Ops/ and Kernels/, e.g. "linear".
    public let op: String
    public let name: String
    public let tolerance: Float
    /// A variant that only differs from another case where kernels run (e.g. a GPU kernel shape):
    /// the benchmark skips it elsewhere.
    let kernelsOnly: Bool
    let prepare: (_ device: Device, _ graphs: Int) throws -> Call

    init(_ op: String, _ name: String, tolerance: Float, kernelsOnly: Bool = false,
         _ prepare: @escaping (_ device: Device, _ graphs: Int) throws -> Call) {
        self.op = op; self.name = name; self.tolerance = tolerance; self.kernelsOnly = kernelsOnly; self.prepare = prepare
    }

    public var fullName: String { "\(op) \(name)" }

    public static let checkGraphs = 6, benchGraphs = 384
    /// Nodes per graph in every case.
    static let n = 8

    public static var all: [OpCase] {
        elementwise + linear + linearBatch + linearSum + layerNorm + film + concat + pooling + symmetrize
            + attention + edgeAttention + crossEntropy + adamW + reverseStep
    }

    /// Runs the case once on `device` and on the Swift twin and compares the outputs.
    public func check(on device: Device, graphs: Int = checkGraphs) throws -> CheckResult {
        let a = try prepare(device, graphs), b = try prepare(Device(), graphs)
        try a.run(); try b.run()
        let x = try a.outputs(), y = try b.outputs()
        var err: Float = x.count == y.count ? 0 : .infinity
        for i in x.indices where i < y.count { err = max(err, abs(x[i] - y[i])) }
        if x.contains(where: { !$0.isFinite }) { err = .infinity }
        return CheckResult(name: fullName, maxAbsError: err, tolerance: tolerance)
    }

    public struct CheckResult: Sendable {
        public let name: String
        public let maxAbsError: Float
        public let tolerance: Float
        public var passed: Bool { maxAbsError <= tolerance }
    }
}

// Helpers the cases share.
extension OpCase {
    /// Deterministic inputs in [−scale, scale): the same on every device.
    static func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            let p = Ptr(buffer.baseAddress!)
            Parallel.forChunks(count, costPerItem: 16) { range in
                for i in range { p[i] = Philox4x32.uniform(seed: seed, row: UInt64(i), stream: 7) * 2 * scale - scale }
            }
        }
        return out
    }

    static func seeded(_ d: Device, _ count: Int, seed: UInt64, scale: Float = 1) throws -> View {
        try d.makeBuffer(values(count, seed: seed, scale: scale)).all
    }

    static func zeros(_ d: Device, _ count: Int) throws -> View { try d.makeBuffer(count: count).all }

    /// A node mask of all ones but graph 1, which has 5 real nodes of 8 (padding in every check).
    static func nodeMask(_ d: Device, graphs: Int) throws -> View {
        var mask = [Float](repeating: 1, count: graphs * n)
        if graphs > 1 { for i in 5..<n { mask[n + i] = 0 } }
        return try d.makeBuffer(mask).all
    }

    static func download(_ d: Device, _ views: View...) throws -> [Float] {
        try views.flatMap { try d.download($0) }
    }

    /// Bytes moved by `count` floats read or written.
    static func floats(_ count: Int) -> Work { .bytes(Double(count) * 4) }
}
