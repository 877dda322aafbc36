import XCTest
@testable import Compute
import TestSupport

/// One attention problem on the host: the inputs of attentionForward as arrays.
private struct AttentionCase {
    let graphs: Int, n: Int, dim: Int, heads: Int
    var q: [Float], k: [Float], v: [Float], e1: [Float], e2: [Float], mask: [Float]

    var nodeCount: Int { graphs * n * dim }
    var pairCount: Int { graphs * n * n * dim }
    var scale: Double { 1 / Double(dim / heads).squareRoot() }

    /// Random inputs; `realNodes[g]` nodes of graph g are real (mask 1), the rest are padding.
    init(graphs: Int, n: Int, dim: Int, heads: Int, realNodes: [Int]? = nil, seed: UInt64, range: Float = 1.5) {
        self.graphs = graphs; self.n = n; self.dim = dim; self.heads = heads
        var rng = SeededRandom(seed)
        let r = -range...range
        q = randomArray(graphs * n * dim, &rng, in: r)
        k = randomArray(graphs * n * dim, &rng, in: r)
        v = randomArray(graphs * n * dim, &rng, in: r)
        e1 = randomArray(graphs * n * n * dim, &rng, in: r)
        e2 = randomArray(graphs * n * n * dim, &rng, in: r)
        let real = realNodes ?? Array(repeating: n, count: graphs)
        mask = (0..<graphs * n).map { Float($0 % n < real[$0 / n] ? 1 : 0) }
    }

    struct Outputs { var scores: [Float], probs: [Float]?, weightedV: [Float] }
    struct Gradients { var dq: [Float], dk: [Float], dv: [Float], de1: [Float], de2: [Float] }

    func forward(on d: Device, storeProbs: Bool = true) throws -> Outputs {
        let scores = try d.makeBuffer(count: pairCount), wv = try d.makeBuffer(count: nodeCount)
        let probs = storeProbs ? try d.makeBuffer(count: pairCount) : nil
        try d.attentionForward(scores: scores.all, probs: probs?.all, weightedV: wv.all,
                               q: try d.makeBuffer(q).all, k: try d.makeBuffer(k).all, v: try d.makeBuffer(v).all,
                               e1: try d.makeBuffer(e1).all, e2: try d.makeBuffer(e2).all, nodeMask: try d.makeBuffer(mask).all,
                               graphs: graphs, n: n, dim: dim, heads: heads)
        return Outputs(scores: try d.download(scores.all), probs: try probs.map { try d.download($0.all) },
                       weightedV: try d.download(wv.all))
    }

    /// Runs the backward from `dscores`, `dweightedV` into gradients that start at `initial` (zeros when nil).
    func backward(on d: Device, dscores: [Float], dweightedV: [Float], initial: Gradients? = nil,
                  maskInputGradients: Bool = false) throws -> Gradients {
        let probs = try d.makeBuffer(try forward(on: d).probs!)
        let start = initial ?? Gradients(dq: zeros(nodeCount), dk: zeros(nodeCount), dv: zeros(nodeCount),
                                         de1: zeros(pairCount), de2: zeros(pairCount))
        let dq = try d.makeBuffer(start.dq), dk = try d.makeBuffer(start.dk), dv = try d.makeBuffer(start.dv)
        let de1 = try d.makeBuffer(start.de1), de2 = try d.makeBuffer(start.de2)
        try d.attentionBackward(dq: dq.all, dk: dk.all, dv: dv.all, de1: de1.all, de2: de2.all,
                                dscores: try d.makeBuffer(dscores).all, dweightedV: try d.makeBuffer(dweightedV).all,
                                q: try d.makeBuffer(q).all, k: try d.makeBuffer(k).all, v: try d.makeBuffer(v).all,
                                e1: try d.makeBuffer(e1).all, probs: probs.all, nodeMask: try d.makeBuffer(mask).all,
                                graphs: graphs, n: n, dim: dim, heads: heads, maskInputGradients: maskInputGradients)
        return Gradients(dq: try d.download(dq.all), dk: try d.download(dk.all), dv: try d.download(dv.all),
                         de1: try d.download(de1.all), de2: try d.download(de2.all))
    }

    /// The spec's formula evaluated directly in Double: the independent reference for the forward.
    func referenceForward() -> (scores: [Double], probs: [Double], weightedV: [Double]) {
        var scores = [Double](repeating: 0, count: pairCount), probs = scores
        var wv = [Double](repeating: 0, count: nodeCount)
        for g in 0..<graphs { for i in 0..<n { for c in 0..<dim {
            let row = g * n + i
            func pair(_ j: Int) -> Int { (row * n + j) * dim + c }
            func node(_ j: Int) -> Int { (g * n + j) * dim + c }
            for j in 0..<n {
                scores[pair(j)] = Double(q[row * dim + c]) * Double(k[node(j)]) * scale * (Double(e1[pair(j)]) + 1)
                    + Double(e2[pair(j)])
            }
            let valid = (0..<n).filter { mask[g * n + $0] != 0 }
            guard let top = valid.map({ scores[pair($0)] }).max() else { continue }
            let total = valid.reduce(0.0) { $0 + Foundation.exp(scores[pair($1)] - top) }
            for j in valid {
                probs[pair(j)] = Foundation.exp(scores[pair(j)] - top) / total
                wv[row * dim + c] += probs[pair(j)] * Double(v[node(j)])
            }
        } } }
        return (scores, probs, wv)
    }
}

private func zeros(_ n: Int) -> [Float] { [Float](repeating: 0, count: n) }

private func maxAbsDiff(_ a: [Float], _ b: [Double]) -> Double {
    zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
}

final class AttentionTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.attention) }

    // Graph 0 is full, graph 1 has two padded nodes, graph 2 is all padding (a row with no valid key).
    private let padded = AttentionCase(graphs: 3, n: 5, dim: 8, heads: 2, realNodes: [5, 3, 0], seed: 11)

    func testForwardMatchesTheFormula() throws {
        let out = try padded.forward(on: TestDevices.swift)
        let ref = padded.referenceForward()
        // Float vs Double of the same few operations on O(1) values: a few ulps.
        XCTAssertLessThan(maxAbsDiff(out.scores, ref.scores), 1e-5)
        XCTAssertLessThan(maxAbsDiff(out.probs!, ref.probs), 1e-6)
        XCTAssertLessThan(maxAbsDiff(out.weightedV, ref.weightedV), 1e-5)
        // Without probs the same scores and weightedV come out.
        let fused = try padded.forward(on: TestDevices.swift, storeProbs: false)
        XCTAssertEqual(fused.scores, out.scores)
        XCTAssertEqual(fused.weightedV, out.weightedV)
    }

    func testSoftmaxSurvivesHugeScores() throws {
        // Adding 1000 to every e2 shifts all scores of a row alike: softmax must not change (exp(1000)
        // would overflow without the max subtraction).
        var shifted = padded
        shifted.e2 = padded.e2.map { $0 + 1000 }
        let a = try padded.forward(on: TestDevices.swift), b = try shifted.forward(on: TestDevices.swift)
        // Scores near 1000 carry an absolute rounding error of ~6e-5 (1 ulp at 1000), which exp passes on.
        XCTAssertLessThan(maxAbsDiff(a.probs!, b.probs!.map(Double.init)), 2e-4)
        XCTAssertLessThan(maxAbsDiff(a.weightedV, b.weightedV.map(Double.init)), 5e-4)
        XCTAssertFalse(b.probs!.contains { !$0.isFinite })
    }

    func testBackwardMatchesFiniteDifferences() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(12)
        let w1 = randomArray(padded.pairCount, &rng), w2 = randomArray(padded.nodeCount, &rng)
        // Both paths together, then the edge path (dscores) alone, then the node path (dweightedV) alone.
        let weightings: [(String, [Float], [Float])] = [
            ("scores+weightedV", w1, w2), ("scores only", w1, zeros(padded.nodeCount)), ("weightedV only", zeros(padded.pairCount), w2),
        ]
        for (path, ws, wv) in weightings {
            let grads = try padded.backward(on: d, dscores: ws, dweightedV: wv)
            func loss(_ c: AttentionCase) throws -> Double {
                let out = try c.forward(on: d)
                return dot(out.scores, ws) + dot(out.weightedV, wv)
            }
            let inputs: [(String, WritableKeyPath<AttentionCase, [Float]>, [Float])] = [
                ("q", \.q, grads.dq), ("k", \.k, grads.dk), ("v", \.v, grads.dv), ("e1", \.e1, grads.de1), ("e2", \.e2, grads.de2),
            ]
            for (name, key, analytic) in inputs {
                let numeric = try numericGradient(padded[keyPath: key], h: 1e-2) { x in
                    var c = padded
                    c[keyPath: key] = x
                    return try loss(c)
                }
                // Central differences, h = 1e-2, O(1) inputs: truncation (~h² times the third derivative)
                // plus Float rounding of L (~1e-7·|L|/h) stay well under 2e-3 of the gradient's scale,
                // while a 5 % error in one factor of the backward shows up as ~2.5e-2.
                assertGradientsClose(analytic, numeric, tolerance: 2e-3, "d\(name) (\(path))")
            }
        }
    }

    func testBackwardAddsIntoGradients() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(13)
        let ds = randomArray(padded.pairCount, &rng), dwv = randomArray(padded.nodeCount, &rng)
        let start = AttentionCase.Gradients(dq: randomArray(padded.nodeCount, &rng), dk: randomArray(padded.nodeCount, &rng),
                                            dv: randomArray(padded.nodeCount, &rng), de1: randomArray(padded.pairCount, &rng),
                                            de2: randomArray(padded.pairCount, &rng))
        let fresh = try padded.backward(on: d, dscores: ds, dweightedV: dwv)
        let added = try padded.backward(on: d, dscores: ds, dweightedV: dwv, initial: start)
        for (name, a, f, s) in [("dq", added.dq, fresh.dq, start.dq), ("dk", added.dk, fresh.dk, start.dk),
                                ("dv", added.dv, fresh.dv, start.dv), ("de1", added.de1, fresh.de1, start.de1),
                                ("de2", added.de2, fresh.de2, start.de2)] {
            XCTAssertLessThan(maxAbsDiff(a, zip(f, s).map { Double($0) + Double($1) }), 1e-5, name)
        }
    }

    func testPaddedNodesGetNoProbabilityAndNoGradient() throws {
        let d = TestDevices.swift
        let c = padded
        let out = try c.forward(on: d)
        let probs = out.probs!
        func isPadding(_ g: Int, _ i: Int) -> Bool { c.mask[g * c.n + i] == 0 }
        func pair(_ g: Int, _ i: Int, _ j: Int) -> Range<Int> { let r = ((g * c.n + i) * c.n + j) * c.dim; return r..<r + c.dim }
        func node(_ g: Int, _ i: Int) -> Range<Int> { let r = (g * c.n + i) * c.dim; return r..<r + c.dim }
        for g in 0..<c.graphs { for i in 0..<c.n { for j in 0..<c.n where isPadding(g, j) {
            XCTAssertTrue(probs[pair(g, i, j)].allSatisfy { $0 == 0 }, "masked key \(j) of graph \(g) got probability")
        } } }
        // Graph 2 has no valid key at all: its probs and weightedV are 0.
        for i in 0..<c.n { XCTAssertTrue(out.weightedV[node(2, i)].allSatisfy { $0 == 0 }) }
        // Each real row still sums to 1 over its real keys.
        for i in 0..<3 { for ch in 0..<c.dim {
            let total = (0..<c.n).reduce(Float(0)) { $0 + probs[pair(1, i, $1).lowerBound + ch] }
            XCTAssertEqual(total, 1, accuracy: 1e-5)
        } }

        // Upstream gradients as the caller produces them: zero at padded pairs (e_out·em) and at
        // padded query rows (x_out·xm). Then every gradient at a padded position must be exactly 0.
        var rng = SeededRandom(14)
        var ds = randomArray(c.pairCount, &rng), dwv = randomArray(c.nodeCount, &rng)
        for g in 0..<c.graphs { for i in 0..<c.n {
            if isPadding(g, i) { for x in node(g, i) { dwv[x] = 0 } }
            for j in 0..<c.n where isPadding(g, i) || isPadding(g, j) { for x in pair(g, i, j) { ds[x] = 0 } }
        } }
        let grads = try c.backward(on: d, dscores: ds, dweightedV: dwv)
        for g in 0..<c.graphs { for i in 0..<c.n {
            if isPadding(g, i) {
                for (name, t) in [("dq", grads.dq), ("dk", grads.dk), ("dv", grads.dv)] {
                    XCTAssertTrue(t[node(g, i)].allSatisfy { $0 == 0 }, "\(name) of padded node \(i), graph \(g)")
                }
            }
            for j in 0..<c.n where isPadding(g, i) || isPadding(g, j) {
                XCTAssertTrue(grads.de1[pair(g, i, j)].allSatisfy { $0 == 0 }, "de1 at padded pair (\(i),\(j)), graph \(g)")
                XCTAssertTrue(grads.de2[pair(g, i, j)].allSatisfy { $0 == 0 }, "de2 at padded pair (\(i),\(j)), graph \(g)")
            }
        } }
        XCTAssertTrue(grads.dk.contains { $0 != 0 } && grads.dv.contains { $0 != 0 }, "real nodes should get gradient")
    }

    func testPaddingDoesNotChangeTheRealNodes() throws {
        // Graph 1 of `padded` (3 real nodes of 5) must give what the same 3-node graph gives unpadded.
        let d = TestDevices.swift, c = padded, real = 3
        var small = AttentionCase(graphs: 1, n: real, dim: c.dim, heads: c.heads, seed: 0)
        func rows(_ t: [Float], _ indices: [Int]) -> [Float] { indices.flatMap { r in t[(r * c.dim)..<((r + 1) * c.dim)] } }
        func nodeRows(_ t: [Float]) -> [Float] { rows(t, (0..<real).map { c.n + $0 }) }
        func pairRows(_ t: [Float]) -> [Float] {
            var indices: [Int] = []
            for i in 0..<real { for j in 0..<real { indices.append((c.n + i) * c.n + j) } }
            return rows(t, indices)
        }
        small.q = nodeRows(c.q); small.k = nodeRows(c.k); small.v = nodeRows(c.v)
        small.e1 = pairRows(c.e1); small.e2 = pairRows(c.e2)
        let big = try c.forward(on: d), little = try small.forward(on: d)
        XCTAssertEqual(pairRows(big.probs!), little.probs!)
        XCTAssertEqual(nodeRows(big.weightedV), little.weightedV)
    }

    /// The sampling path's fused edge FiLM: the stored scores are score·(1 + mul[g]) + add[g], the
    /// weighted sum is unchanged; on the Swift twin and on OpenCL.
    func testFusedFiLMStoresModulatedScores() throws {
        let c = AttentionCase(graphs: 3, n: 4, dim: 8, heads: 2, realNodes: [4, 2, 1], seed: 31)
        var rng = SeededRandom(32)
        let mul = randomArray(c.graphs * c.dim, &rng), add = randomArray(c.graphs * c.dim, &rng)
        var devices = [TestDevices.swift]
        if let cl = TestDevices.openCL { devices.append(cl) }
        for d in devices {
            let plain = try c.forward(on: d, storeProbs: false)
            let scores = try d.makeBuffer(count: c.pairCount), wv = try d.makeBuffer(count: c.nodeCount)
            try d.attentionForward(scores: scores.all, probs: nil, weightedV: wv.all, q: try d.makeBuffer(c.q).all,
                                   k: try d.makeBuffer(c.k).all, v: try d.makeBuffer(c.v).all, e1: try d.makeBuffer(c.e1).all,
                                   e2: try d.makeBuffer(c.e2).all, nodeMask: try d.makeBuffer(c.mask).all,
                                   graphs: c.graphs, n: c.n, dim: c.dim, heads: c.heads,
                                   film: (try d.makeBuffer(mul).all, try d.makeBuffer(add).all))
            let got = try d.download(scores.all)
            var worst: Float = 0
            for i in 0..<c.pairCount {
                let g = i / (c.n * c.n * c.dim), ch = i % c.dim
                worst = max(worst, abs(got[i] - (plain.scores[i] * (1 + mul[g * c.dim + ch]) + add[g * c.dim + ch])))
            }
            XCTAssertLessThanOrEqual(worst, 1e-5, "\(d.name): FiLM'd scores")
            XCTAssertEqual(try d.download(wv.all), plain.weightedV, "\(d.name): weighted sum unchanged")
        }
        let d = TestDevices.swift, pairs = try d.makeBuffer(count: c.pairCount), nodes = try d.makeBuffer(count: c.nodeCount)
        let g = try d.makeBuffer(count: c.graphs * c.dim)
        XCTAssertThrowsError(try d.attentionForward(scores: pairs.all, probs: pairs.all, weightedV: nodes.all, q: nodes.all, k: nodes.all,
                                                    v: nodes.all, e1: pairs.all, e2: pairs.all, nodeMask: try d.makeBuffer(c.mask).all,
                                                    graphs: c.graphs, n: c.n, dim: c.dim, heads: c.heads, film: (g.all, g.all)))
    }

    func testBadShapesAreClearErrors() throws {
        let d = TestDevices.swift
        let nodes = try d.makeBuffer(count: 2 * 4 * 30), pairs = try d.makeBuffer(count: 2 * 4 * 4 * 30), mask = try d.makeBuffer(count: 8)
        XCTAssertThrowsError(try d.attentionForward(scores: pairs.all, probs: nil, weightedV: nodes.all, q: nodes.all, k: nodes.all,
                                                    v: nodes.all, e1: pairs.all, e2: pairs.all, nodeMask: mask.all,
                                                    graphs: 2, n: 4, dim: 30, heads: 4)) { e in
            XCTAssertEqual("\(e)", "attentionForward: invalid size: dim 30 is not a multiple of heads 4")
        }
        XCTAssertThrowsError(try d.attentionBackward(dq: nodes.all, dk: nodes.all, dv: nodes.all, de1: pairs.all, de2: pairs.all,
                                                     dscores: pairs.all, dweightedV: nodes.all, q: nodes.all, k: nodes.all, v: nodes.all,
                                                     e1: pairs.all, probs: pairs.all, nodeMask: mask.all,
                                                     graphs: 2, n: 4, dim: 30, heads: 4)) { e in
            XCTAssertTrue("\(e)".contains("not a multiple of heads"), "\(e)")
        }
        // A pair tensor sized like a node tensor.
        XCTAssertThrowsError(try d.attentionForward(scores: pairs.all, probs: nil, weightedV: nodes.all, q: nodes.all, k: nodes.all,
                                                    v: nodes.all, e1: nodes.all, e2: pairs.all, nodeMask: mask.all,
                                                    graphs: 2, n: 4, dim: 30, heads: 3)) { e in
            XCTAssertTrue("\(e)".contains("attentionForward: invalid size: e1 holds"), "\(e)")
        }
    }

    /// maskInputGradients multiplies each contribution by the padding mask of its row: what the model's
    /// separate mask passes after the backward did, for gradients that start at zero.
    func testMaskedInputGradientsEqualTheMaskPassesAfterwards() throws {
        let c = AttentionCase(graphs: 3, n: 5, dim: 12, heads: 3, realNodes: [5, 3, 0], seed: 31)
        var rng = SeededRandom(32)
        // Gradients everywhere, padding included, so that an unmasked contribution would show.
        let ds = randomArray(c.pairCount, &rng), dwv = randomArray(c.nodeCount, &rng)
        let plain = try c.backward(on: TestDevices.swift, dscores: ds, dweightedV: dwv)
        func masked(_ g: [Float], pairs: Bool) -> [Float] {
            g.enumerated().map { idx, x in
                let row = idx / c.dim, (graph, rest) = pairs ? (row / (c.n * c.n), row % (c.n * c.n)) : (row / c.n, row % c.n)
                let factor = pairs ? c.mask[graph * c.n + rest / c.n] * c.mask[graph * c.n + rest % c.n] : c.mask[graph * c.n + rest]
                return x * factor
            }
        }
        let want = [masked(plain.dq, pairs: false), masked(plain.dk, pairs: false), masked(plain.dv, pairs: false),
                    masked(plain.de1, pairs: true), masked(plain.de2, pairs: true)]
        XCTAssertNotEqual(want[0], plain.dq, "the padded rows carry gradient before masking")
        XCTAssertNotEqual(want[3], plain.de1, "the padded pairs carry gradient before masking")
        var devices = [TestDevices.swift]
        if let cl = TestDevices.openCL { devices.append(cl) }
        for d in devices {
            let g = try c.backward(on: d, dscores: ds, dweightedV: dwv, maskInputGradients: true)
            for (got, (w, name)) in zip([g.dq, g.dk, g.dv, g.de1, g.de2], zip(want, ["dq", "dk", "dv", "de1", "de2"])) {
                XCTAssertLessThanOrEqual(maxAbsDiff(got, w), 2e-5, "\(name) on \(d.name)")
            }
        }
    }

    func testOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        let cases = [
            // The small preset's shape (C = 64, 4 heads, n = 8) with padding in most graphs.
            ("C64 n8", AttentionCase(graphs: 6, n: 8, dim: 64, heads: 4, realNodes: [8, 7, 5, 8, 0, 2], seed: 21)),
            // Odd sizes, so no channel count lines up with a SIMD width or work-group size.
            ("C30 n5", AttentionCase(graphs: 3, n: 5, dim: 30, heads: 3, realNodes: [5, 3, 1], seed: 22)),
            // Peaked softmax: scores spread over about ±90.
            ("peaked", AttentionCase(graphs: 2, n: 7, dim: 16, heads: 2, realNodes: [7, 4], seed: 23, range: 6)),
        ]
        for (label, c) in cases {
            var rng = SeededRandom(24)
            let ds = randomArray(c.pairCount, &rng), dwv = randomArray(c.nodeCount, &rng)
            let swiftOut = try c.forward(on: TestDevices.swift), clOut = try c.forward(on: cl)
            let clFused = try c.forward(on: cl, storeProbs: false)
            let swiftGrads = try c.backward(on: TestDevices.swift, dscores: ds, dweightedV: dwv)
            let clGrads = try c.backward(on: cl, dscores: ds, dweightedV: dwv)

            // Errors divided by max(1, largest entry of the tensor), so the peaked case's large scores are judged fairly.
            func relErr(_ a: [Float], _ b: [Float]) -> Float { maxAbsDiff(a, b) / max(1, b.map(abs).max() ?? 1) }
            let scoresErr = max(relErr(clOut.scores, swiftOut.scores), relErr(clFused.scores, swiftOut.scores))
            let probsErr = maxAbsDiff(clOut.probs!, swiftOut.probs!)
            let wvErr = max(relErr(clOut.weightedV, swiftOut.weightedV), relErr(clFused.weightedV, swiftOut.weightedV))
            let gradErr = [relErr(clGrads.dq, swiftGrads.dq), relErr(clGrads.dk, swiftGrads.dk), relErr(clGrads.dv, swiftGrads.dv),
                           relErr(clGrads.de1, swiftGrads.de1), relErr(clGrads.de2, swiftGrads.de2)].max()!
            print("parity attentionForward [\(label)]: max abs err scores \(scoresErr) (rel), probs \(probsErr), weightedV \(wvErr) (rel)")
            print("parity attentionBackward [\(label)]: max abs err \(gradErr) (relative to each gradient's largest entry)")
            // Scores: the same multiply-adds; only fma contraction (-cl-mad-enable) can differ, ≤ 2 ulp.
            XCTAssertLessThan(scoresErr, 1e-6, label)
            // Probs and weightedV: the kernel uses an online softmax (rescaled running sum) and OpenCL's
            // exp (≤ 3 ulp), the twin a two-pass softmax with glibc expf; each prob then differs by a few
            // ulps of 1 times the ≤ n terms of its denominator: ~1e-6.
            XCTAssertLessThan(probsErr, 1e-5, label)
            XCTAssertLessThan(wvErr, 1e-5, label)
            // Gradients are sums of ≤ n products of those probs with O(1) inputs: ~n·1e-6.
            XCTAssertLessThan(gradErr, 2e-5, label)
        }
    }
}
