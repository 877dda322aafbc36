import Foundation

// Sampling's update of the global features y (one row per graph) as one operation: on a GPU one kernel
// (Kernels/y_update.cl) instead of ten launches that each cost more latency than work. Training keeps
// the separate layers, whose backward needs the intermediates.

/// The parameters of a layer's y update, each linear [out][in] with its bias.
public struct YUpdateWeights {
    public var yy, xToY, eToY, out1, out2, ff1, ff2: (weight: View, bias: View)
    public var norm1, norm2: (gamma: View, beta: View)

    public init(yy: (weight: View, bias: View), xToY: (weight: View, bias: View), eToY: (weight: View, bias: View),
                out1: (weight: View, bias: View), out2: (weight: View, bias: View), norm1: (gamma: View, beta: View),
                ff1: (weight: View, bias: View), ff2: (weight: View, bias: View), norm2: (gamma: View, beta: View)) {
        self.yy = yy; self.xToY = xToY; self.eToY = eToY; self.out1 = out1; self.out2 = out2
        self.norm1 = norm1; self.ff1 = ff1; self.ff2 = ff2; self.norm2 = norm2
    }
}

/// NASDIFF_FUSED_Y_UPDATE=0 keeps the y update as separate layers on a GPU too, to measure the fusion.
let fusedYUpdateEnabled = ProcessInfo.processInfo.environment["NASDIFF_FUSED_Y_UPDATE"] != "0"

/// Graphs and work-items per work-group and its floats of local memory (Y_GRAPHS, Y_THREADS and the
/// scratch of y_update.cl, whose widest input row is the feed-forward's or a pooled one).
private let yUpdateGraphs = 4, yUpdateThreads = 256
private func yUpdateScratch(dy: Int, ffY: Int, pooled: Int) -> Int {
    yUpdateGraphs * (3 * dy + max(ffY, pooled)) + 32 * yUpdateGraphs * 8 + 32 * yUpdateGraphs + 2 * yUpdateGraphs
}

public extension Device {
    /// Whether sampling runs the y update as one kernel here: a GPU whose local memory holds a group's
    /// intermediates (the feed-forward's activations or the pooled inputs of 4 graphs above all).
    /// `pooled`: the wider of the pooled node and edge statistics (4·dx, 4·de).
    func fusesYUpdate(dy: Int, ffY: Int, pooled: Int) -> Bool {
        guard let cl, fusedYUpdateEnabled, cl.info.isGPU else { return false }
        return yUpdateScratch(dy: dy, ffY: ffY, pooled: pooled) * 4 <= cl.info.localMemoryBytes
    }

    /// out (graphs × dy) = the layer's new y from y (graphs × dy) and the pooled node and edge
    /// statistics (graphs × pooledX, graphs × pooledE):
    ///   s = y·yyᵀ + poolX·xToYᵀ + poolE·eToYᵀ (+ biases), ny = out2(relu(out1(s))),
    ///   y1 = LayerNorm₁(y + ny), out = LayerNorm₂(y1 + ff2(relu(ff1(y1)))).
    /// The same values as the separate layers of TransformerLayer.forward, summed in another order.
    func yUpdateForward(out: View, y: View, poolX: View, poolE: View, weights w: YUpdateWeights,
                        graphs: Int, dy: Int, pooledX: Int, pooledE: Int, ffY: Int) throws {
        let op = "yUpdateForward"
        try requirePositive(op, ("graphs", graphs), ("dy", dy), ("pooledX", pooledX), ("pooledE", pooledE), ("ffY", ffY))
        try require(op, out, graphs * dy, "out"); try require(op, y, graphs * dy, "y")
        try require(op, poolX, graphs * pooledX, "poolX"); try require(op, poolE, graphs * pooledE, "poolE")
        let linears: [((weight: View, bias: View), Int, Int, String)] = [
            (w.yy, dy, dy, "yy"), (w.xToY, pooledX, dy, "xToY"), (w.eToY, pooledE, dy, "eToY"), (w.out1, dy, dy, "out1"),
            (w.out2, dy, dy, "out2"), (w.ff1, dy, ffY, "ff1"), (w.ff2, ffY, dy, "ff2")]
        for (l, inDim, outDim, name) in linears {
            try require(op, l.weight, outDim * inDim, "\(name).weight"); try require(op, l.bias, outDim, "\(name).bias")
        }
        for (n, name) in [(w.norm1, "norm1"), (w.norm2, "norm2")] {
            try require(op, n.gamma, dy, "\(name).gamma"); try require(op, n.beta, dy, "\(name).beta")
        }
        if let cl {
            let scratch = yUpdateScratch(dy: dy, ffY: ffY, pooled: max(pooledX, pooledE)) * 4
            guard scratch <= cl.info.localMemoryBytes else {
                throw ComputeError.invalidSize(op: op, detail: "\(scratch) bytes of local memory needed (dy \(dy), ffY \(ffY)), the device has \(cl.info.localMemoryBytes)")
            }
            let pairs: [(weight: View, bias: View)] = [w.yy, w.xToY, w.eToY, w.out1, w.out2, (w.norm1.gamma, w.norm1.beta),
                                                       w.ff1, w.ff2, (w.norm2.gamma, w.norm2.beta)]
            let args: [CLArg] = [.view(out), .view(y), .view(poolX), .view(poolE)] + pairs.flatMap { [CLArg.view($0.weight), .view($0.bias)] }
                + [.int(graphs), .int(dy), .int(pooledX), .int(pooledE), .int(ffY), .local(scratch)]
            let groups = (graphs + yUpdateGraphs - 1) / yUpdateGraphs
            return try cl.launch("y_update", "y_update_forward", args, global: [groups * yUpdateThreads], local: [yUpdateThreads])
        }
        // The Swift twin, graph by graph (sequential: only tests and selftest run it; on a CPU the model
        // keeps the separate layers).
        func linear(_ l: (weight: View, bias: View), _ x: UnsafePointer<Float>, _ inDim: Int, _ o: Int) -> Float {
            let row = l.weight.ptr.p + o * inDim
            var a: Float = 0
            for k in 0..<inDim { a += x[k] * row[k] }
            return a + l.bias.ptr[o]
        }
        func layerNorm(_ r: inout [Float], _ n: (gamma: View, beta: View)) {
            let count = Float(r.count)
            let mean = r.reduce(0, +) / count
            let rstd = 1 / (r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count + layerNormEpsilon).squareRoot()
            for o in r.indices { r[o] = (r[o] - mean) * rstd * n.gamma.ptr[o] + n.beta.ptr[o] }
        }
        let yp = y.ptr, px = poolX.ptr, pe = poolE.ptr, dst = out.ptr
        for g in 0..<graphs {
            let yg = UnsafePointer(yp.p + g * dy)
            let s = (0..<dy).map { o in
                linear(w.yy, yg, dy, o) + linear(w.xToY, UnsafePointer(px.p + g * pooledX), pooledX, o)
                    + linear(w.eToY, UnsafePointer(pe.p + g * pooledE), pooledE, o)
            }
            let t = s.withUnsafeBufferPointer { sp in (0..<dy).map { max(linear(w.out1, sp.baseAddress!, dy, $0), 0) } }
            var y1 = t.withUnsafeBufferPointer { tp in (0..<dy).map { yg[$0] + linear(w.out2, tp.baseAddress!, dy, $0) } }
            layerNorm(&y1, w.norm1)
            let h = y1.withUnsafeBufferPointer { p in (0..<ffY).map { max(linear(w.ff1, p.baseAddress!, dy, $0), 0) } }
            var r = h.withUnsafeBufferPointer { hp in (0..<dy).map { y1[$0] + linear(w.ff2, hp.baseAddress!, ffY, $0) } }
            layerNorm(&r, w.norm2)
            for o in 0..<dy { dst[g * dy + o] = r[o] }
        }
    }
}
