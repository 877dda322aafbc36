import XCTest
@testable import Compute
@testable import Model
import TestSupport

final class GraphTransformerTests: XCTestCase {
    /// A tiny model that still has every part: 2 layers, several heads, class embeddings, FiLM, pooling.
    static let tiny = ModelConfig(nodeClasses: 3, edgeClasses: 2, conditionWidth: 3, maxNodes: 4, layers: 2,
                                  dx: 8, de: 4, dy: 4, heads: 2, ffX: 6, ffE: 4, ffY: 6,
                                  hiddenInX: 5, hiddenInE: 3, hiddenInY: 4, hiddenOutX: 5, hiddenOutE: 3, timestep: true, chainY: true)

    /// Two graphs: one of 4 nodes, one of 3 (a padded node), with fixed noisy inputs and targets.
    func fillBatch(_ d: Device, _ w: Workspace, g: Int = 2) throws -> (nodes: Int, pairs: Int) {
        let n = 4, dX = 3
        var x0 = [Float](repeating: 0, count: g * n * dX), e0 = [Float](repeating: 0, count: g * n * n * 2)
        var tx = [Float](repeating: -1, count: g * n), te = [Float](repeating: -1, count: g * n * n)
        var mask = [Float](repeating: 0, count: g * n), y = [Float](repeating: 0, count: g * 3)
        var nodes = 0, pairs = 0
        for b in 0..<g {
            let m = b % 2 == 0 ? 4 : 3
            for i in 0..<m {
                mask[b * n + i] = 1; x0[(b * n + i) * dX + (i + b) % dX] = 1; tx[b * n + i] = Float((i * 2 + b) % dX); nodes += 1
                e0[((b * n + i) * n + i) * 2] = 1
                for j in 0..<m where j != i {
                    let cls = (i + j + b) % 2
                    e0[((b * n + i) * n + j) * 2 + cls] = 1
                    te[(b * n + i) * n + j] = Float((i * j + b) % 2); pairs += 1
                }
            }
            y[b * 3 + b % 2] = 1; y[b * 3 + 2] = 0.3
        }
        try d.upload(x0, to: w.x0); try d.upload(e0, to: w.e0); try d.upload(y, to: w.y0); try d.upload(mask, to: w.nodeMask)
        try d.upload(tx, to: w.targetsX); try d.upload(te, to: w.targetsE)
        return (nodes, pairs)
    }

    /// One parameter index from every tensor (spread by a prime), so every layer's backward is exercised.
    static func oneIndexPerTensor(_ model: GraphTransformer) -> [Int] {
        model.layout.entries.enumerated().map { k, e in e.offset + (k * 7919) % e.count }
    }

    func testWholeModelGradientMatchesFiniteDifferences() throws {
        let d = Device()
        let model = try GraphTransformer(Self.tiny)
        let p = try model.initialParameters(on: d, seed: 3)
        let w = try model.makeWorkspace(device: d, capacity: 2, training: true)
        let (nodes, pairs) = try fillBatch(d, w)
        try model.forward(p, w, graphs: 2)
        try model.lossAndBackward(p, w, graphs: 2, nodeCount: nodes, pairCount: pairs, edgeWeight: 5)
        let analytic = try d.download(p.grads.all)
        let theta = try d.download(p.values.all)

        let idx = Self.oneIndexPerTensor(model)
        let numeric = try numericGradient(theta, h: 2e-3, indices: idx) { values in
            try d.upload(values, to: p.values.all)
            try model.forward(p, w, graphs: 2)
            return try model.loss(p, w, graphs: 2, nodeCount: nodes, pairCount: pairs, edgeWeight: 5).total
        }
        var worst = 0.0, worstName = ""
        let scale = max(1e-3, numeric.values.map { abs($0) }.max()!)
        for (k, e) in model.layout.entries.enumerated() {
            let i = idx[k]
            let err = abs(Double(analytic[i]) - numeric[i]!) / scale
            if err > worst { worst = err; worstName = "\(e.name): analytic \(analytic[i]) numeric \(numeric[i]!)" }
        }
        print("whole-model gradient check over \(idx.count) tensors: worst relative error \(worst) (\(worstName))")
        XCTAssertLessThan(worst, 2e-2, worstName)
    }

    /// The OpenCL device with its own kernel choice (CPU-shaped on PoCL), with the GPU-shaped ones, and
    /// with the tensor-core ones (products emulated: Kernels/linear_tc.cl with -DTC_EMULATE=1).
    func openCLDevices() throws -> [Device] {
        guard let info = try OpenCLDiscovery.devices().first else {
            throw XCTSkip("no OpenCL device found: OpenCL model parity skipped")
        }
        return [try Device(openCL: info), try Device(openCL: info.treatedAsGPU()), try Device(openCL: info.treatedAsTensorCoreGPU())]
    }

    func testTrainingStepOnOpenCLMatchesSwift() throws {
        for cl in try openCLDevices() { try checkTrainingStep(on: cl) }
    }

    func checkTrainingStep(on cl: Device) throws {
        func step(_ d: Device) throws -> (Double, [Float]) {
            let model = try GraphTransformer(Self.tiny)
            let p = try model.initialParameters(on: d, seed: 11)
            let w = try model.makeWorkspace(device: d, capacity: 2, training: true)
            let (nodes, pairs) = try fillBatch(d, w)
            try model.forward(p, w, graphs: 2)
            let loss = try model.lossAndBackward(p, w, graphs: 2, nodeCount: nodes, pairCount: pairs, edgeWeight: 5)
            let count = model.layout.totalCount
            let m = try d.makeBuffer(count: count), v = try d.makeBuffer(count: count), vm = try d.makeBuffer(count: count)
            try d.adamW(params: p.values.all, grads: p.grads.all, m: m.all, v: v.all, vMax: vm.all, lr: 1e-3, beta1: 0.9, beta2: 0.999,
                        eps: 1e-8, weightDecay: 1e-12, step: 1)
            return (loss.total, try d.download(p.values.all))
        }
        let (lossCL, paramsCL) = try step(cl), (lossSwift, paramsSwift) = try step(Device())
        let lossErr = abs(lossCL - lossSwift) / abs(lossSwift)
        var paramErr: Float = 0
        for i in paramsCL.indices { paramErr = max(paramErr, abs(paramsCL[i] - paramsSwift[i]) / max(abs(paramsSwift[i]), 1e-2)) }
        print("training step parity (\(cl.isGPU ? "GPU" : "CPU")-shaped kernels): loss rel err \(lossErr), max param rel err \(paramErr)")
        XCTAssertLessThan(lossErr, 1e-4, "\(cl.isGPU ? "GPU" : "CPU")-shaped kernels")
        XCTAssertLessThan(paramErr, 1e-4, "\(cl.isGPU ? "GPU" : "CPU")-shaped kernels")
    }

    /// Sampling workspaces take other paths (the attention kernel applies FiLM; no raw scores kept).
    /// With parameters prepared for sampling (the edge weights packed once) too, which must change nothing.
    func testSamplingForwardOnOpenCLMatchesSwift() throws {
        func logits(_ d: Device, prepared: Bool) throws -> [Float] {
            let model = try GraphTransformer(Self.tiny)
            let p = try model.initialParameters(on: d, seed: 5)
            if prepared { try model.prepareForSampling(p) }
            XCTAssertEqual(p.packedEdgeWeights != nil, prepared && d.fusesEdgeAttention(n: model.config.maxNodes))
            let w = try model.makeWorkspace(device: d, capacity: 2, training: false)
            _ = try fillBatch(d, w)
            try model.forward(p, w, graphs: 2)
            return try d.download(w.out.xLogits) + d.download(w.out.eLogits)
        }
        let want = try logits(Device(), prepared: true)
        for cl in try openCLDevices() {
            let got = try logits(cl, prepared: false), err = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(err, 1e-5, "\(cl.isGPU ? "GPU" : "CPU")-shaped kernels: max abs err \(err)")
            XCTAssertEqual(try logits(cl, prepared: true), got, "\(cl.isGPU ? "GPU" : "CPU")-shaped kernels, weights packed once")
        }
    }

    /// A sampler embeds y once per pass and hands the rows to the forward; graphs that share a row must
    /// get the logits of a forward that embeds every graph's own copy of y.
    func testForwardWithSharedConditionRowsMatchesPerGraphY() throws {
        let rowsY: [[Float]] = [[1, 0, 0.3], [0, 1, 0.7]], g = 4
        for d in try [Device()] + openCLDevices() {
            let model = try GraphTransformer(Self.tiny)
            let p = try model.initialParameters(on: d, seed: 8)
            let w = try model.makeWorkspace(device: d, capacity: g, training: false)
            _ = try fillBatch(d, w, g: g)
            try d.upload(rowsY[0] + rowsY[0] + rowsY[1] + rowsY[1], to: w.y0.sub(0, g * 3))
            try model.forward(p, w, graphs: g)
            let want = try d.download(w.out.xLogits) + d.download(w.out.eLogits)
            let embedded = try model.embedConditions(p, y: d.makeBuffer([9, 9, 9] + rowsY[0] + rowsY[1]).all.sub(3, 6), rows: 2)
            try d.fill(w.y0, .nan)   // the conditioned forward must not read y0
            try model.forward(p, w, graphs: g, conditions: embedded)
            let got = try d.download(w.out.xLogits) + d.download(w.out.eLogits)
            let err = zip(got, want).map { abs($0 - $1) }.max() ?? .nan
            XCTAssertLessThan(err, 1e-6, "\(d.cl == nil ? "Swift" : d.isGPU ? "GPU-shaped" : "CPU-shaped"): max abs err \(err)")
            XCTAssertThrowsError(try model.forward(p, w, graphs: 3, conditions: embedded), "2 rows cannot split 3 graphs")
            let training = try model.makeWorkspace(device: d, capacity: g, training: true)
            XCTAssertThrowsError(try model.forward(p, training, graphs: g, conditions: embedded), "training's backward needs its own y branch")
            // A slice of the rows: graphs 0 and 1 on the second row.
            try model.forward(p, w, graphs: 2, conditions: embedded.rows(1, 1))
            let sliced = try d.download(w.out.xLogits.sub(0, 2 * 4 * 3))
            try d.upload(rowsY[1] + rowsY[1], to: w.y0.sub(0, 2 * 3))
            try model.forward(p, w, graphs: 2)
            let own = try d.download(w.out.xLogits.sub(0, 2 * 4 * 3))
            XCTAssertLessThan(zip(sliced, own).map { abs($0 - $1) }.max() ?? .nan, 1e-6, "rows(1, 1)")
        }
    }

    /// The fusions a GPU sampling forward claims, as launches per transformer layer (a model of 3 layers
    /// minus one of 2): q/k/v (one batched GEMM), y's four FiLM maps (one), the fused edge attention
    /// (one, FiLM of both outputs included; its weights packed by prepareForSampling, as the sampler
    /// does), e_out and x_out, the two poolings, four add+LayerNorms, four feed-forward GEMMs, and y's
    /// update (three GEMMs into one reduction, its two-layer MLP, two add+LayerNorms and its feed-forward:
    /// ten): 25. Unprepared weights would add one to pack them. With y embedded
    /// beforehand (as the sampler does, one row per pass), one row copy replaces the six input GEMMs of y.
    func testSamplingForwardLaunchesPerLayerOnAGPU() throws {
        // The default settings, whatever the environment says: the counts are those of the fusions.
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found") }
        let gpuShaped = try Device(openCL: info.treatedAsTensorCoreGPU(), settings: Settings())
        guard let cl = gpuShaped.cl else { throw XCTSkip("no OpenCL device found") }
        func launches(layers: Int, embedded: Bool = false) throws -> Int {
            var c = Self.tiny
            c.layers = layers
            let model = try GraphTransformer(c)
            let p = try model.initialParameters(on: gpuShaped, seed: 3)
            try model.prepareForSampling(p)
            let w = try model.makeWorkspace(device: gpuShaped, capacity: 2, training: false)
            _ = try fillBatch(gpuShaped, w)
            let y = embedded ? try model.embedConditions(p, y: w.y0, rows: 1) : nil
            try model.forward(p, w, graphs: 2, conditions: y)   // builds the kernels
            let before = cl.launches
            try model.forward(p, w, graphs: 2, conditions: y)
            return cl.launches - before
        }
        let two = try launches(layers: 2), three = try launches(layers: 3)
        XCTAssertEqual(three - two, 25, "launches per layer")
        XCTAssertEqual(two - 2 * (three - two), 19, "launches outside the layers: input MLPs and embeddings (concatenation, positions, "
                       + "symmetrisation and masks in one pass per variable), output MLPs and logits")
        XCTAssertEqual(two - (try launches(layers: 2, embedded: true)), 5, "y embedded beforehand")
    }

    /// Where the fused edge attention runs, sampling workspaces hold no e1/e2 (two pair tensors per layer
    /// set); the forward on them is checked against the Swift twin above.
    func testSamplingWorkspaceSkipsEdgeInputsWhereFused() throws {
        guard let cpuShaped = try openCLDevices().first, let gpuShaped = try openCLDevices().last, gpuShaped.isGPU else {
            throw XCTSkip("no OpenCL device found")
        }
        let model = try GraphTransformer(Self.tiny), c = Self.tiny, g = 3
        XCTAssertTrue(gpuShaped.fusesEdgeAttention(n: c.maxNodes)); XCTAssertFalse(cpuShaped.fusesEdgeAttention(n: c.maxNodes))
        let fused = try model.makeWorkspace(device: gpuShaped, capacity: g, training: false)
        let apart = try model.makeWorkspace(device: cpuShaped, capacity: g, training: false)
        let edgeInputs = min(2, c.layers) * 2 * g * c.maxNodes * c.maxNodes * c.dx   // sets × (e1, e2) × pairs × dx
        XCTAssertEqual(apart.acts.count - fused.acts.count, edgeInputs)
        XCTAssertEqual(fused.acts(layer: 0).eMul.count, 0)
        let training = try model.makeWorkspace(device: gpuShaped, capacity: g, training: true)
        XCTAssertEqual(training.acts(layer: 0).eMul.count, g * c.maxNodes * c.maxNodes * c.dx, "training keeps eMul(E) for the backward")
    }

    /// The batched products (q, k, v; e_mul, e_add; the FiLM maps of y) run as one launch only while
    /// the parameter layout and the activation arena keep each group's views at one stride.
    func testLayerGroupsLieAtEqualStrides() throws {
        let model = try GraphTransformer(Self.tiny), d = Device()
        let p = try model.initialParameters(on: d, seed: 1)
        for training in [false, true] {
            let w = try model.makeWorkspace(device: d, capacity: 2, training: training)
            let l = model.layers[0], s = w.acts(layer: 0), n = w.n
            let groups: [([Linear], [View], Int)] = [([l.q, l.k, l.v], [s.q, s.k, s.v], 2 * n),
                                                     ([l.eMul, l.eAdd], [s.eMul, s.eAdd], 2 * n * n),
                                                     ([l.yeMul, l.yeAdd, l.yxMul, l.yxAdd], [s.yEMul, s.yEAdd, s.yXMul, s.yXAdd], 2)]
            for (layers, outs, rows) in groups {
                let name = "\(layers.count) layers, training \(training)"
                XCTAssertNotNil(GEMMBatch.stride(outs, apart: rows * layers[0].outDim), "outputs of \(name)")
                XCTAssertNotNil(GEMMBatch.stride(layers.map { p.value($0.weight, $0.inDim * $0.outDim) }, apart: 0), "weights of \(name)")
                XCTAssertNotNil(GEMMBatch.stride(layers.map { p.value($0.bias, $0.outDim) }, apart: 0), "biases of \(name)")
            }
        }
    }

    func testForwardIgnoresPaddedNodes() throws {
        // The 3-node graph's logits must not depend on what sits in its padded node.
        let d = Device()
        let model = try GraphTransformer(Self.tiny)
        let p = try model.initialParameters(on: d, seed: 5)
        let w = try model.makeWorkspace(device: d, capacity: 2, training: false)
        _ = try fillBatch(d, w)
        try model.forward(p, w, graphs: 2)
        let before = try d.download(w.xLogits.sub(12, 9))
        var x0 = try d.download(w.x0.sub(0, 24)); x0[(4 + 3) * 3 + 0] = 1; x0[(4 + 3) * 3 + 2] = 1
        try d.upload(x0, to: w.x0.sub(0, 24))
        try model.forward(p, w, graphs: 2)
        XCTAssertEqual(before, try d.download(w.xLogits.sub(12, 9)))
    }

    func testDinasPresetHasThePapersSize() throws {
        // dinas-spec §3.6: 2,120,960 parameters per layer at dx 512, de 128, dy 64, ffy 2048; our
        // per-layer count must match (the spec counts the same Linear/LayerNorm set).
        let model = try GraphTransformer(.dinas(nodeClasses: 7, conditionWidth: 2, maxNodes: 8, timestep: false))
        let perLayer = model.layout.entries.filter { $0.name.hasPrefix("tf_layers.0.") }.reduce(0) { $0 + $1.count }
        XCTAssertEqual(perLayer, 2_120_960)
        // dinas-spec §3.6: ≈ 50 GFLOP per forward at batch 192, n = 8 (edge GEMMs ≈ 5.6, node ≈ 4.0 per layer).
        XCTAssertEqual(model.forwardFLOPs(graphs: 192) / 1e9, 50, accuracy: 3)
    }
}
