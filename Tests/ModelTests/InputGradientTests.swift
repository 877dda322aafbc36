import XCTest
@testable import Compute
@testable import Model
import TestSupport

// The backward to the model's inputs (dObjective/dX_t, dObjective/dE_t) — what predictor guidance reads
// — for the predictor (regression head on y) and the denoiser, against central finite differences on
// the Swift twin, and the OpenCL kernels (CPU- and GPU-shaped) against the twin.
final class InputGradientTests: XCTestCase {
    static var predictorConfig: ModelConfig {
        var c = GraphTransformerTests.tiny
        c.conditionWidth = 1
        c.regressionHidden = 6
        return c
    }

    /// Two graphs of 4 and 3 real nodes with smooth (not one-hot) inputs, so that every input entry
    /// matters, and t/T in y.
    func fillInputs(_ d: Device, _ w: Workspace, classes dX: Int, yWidth: Int) throws {
        let g = 2, n = 4
        var rng = SplitMix64(21)
        var mask = [Float](repeating: 0, count: g * n)
        for b in 0..<g { for i in 0..<(b == 0 ? 4 : 3) { mask[b * n + i] = 1 } }
        try d.upload((0..<(g * n * dX)).map { _ in Float.random(in: 0...1, using: &rng) }, to: w.x0)
        try d.upload((0..<(g * n * n * 2)).map { _ in Float.random(in: 0...1, using: &rng) }, to: w.e0)
        try d.upload((0..<(g * yWidth)).map { _ in Float.random(in: 0...1, using: &rng) }, to: w.y0)
        try d.upload(mask, to: w.nodeMask)
    }

    /// Predictor: objective Σ_b s_b·f(G_b) with s = (1, −0.5).
    /// `parameterGradients` false: the inputs-only backward; `grads` start at 7 so that a write shows.
    func predictorGradients(_ d: Device, parameterGradients: Bool = true) throws
        -> (dx: [Float], de: [Float], dtheta: [Float], objective: ([Float], [Float]) throws -> Double) {
        let model = try GraphTransformer(Self.predictorConfig)
        let p = try model.initialParameters(on: d, seed: 4)
        p.parameterGradients = parameterGradients
        try d.fill(p.grads.all, 7)
        let w = try model.makeWorkspace(device: d, capacity: 2, training: true)
        try fillInputs(d, w, classes: 3, yWidth: 1)
        try model.forward(p, w, graphs: 2)
        try model.zeroGradients(p, w)
        try d.upload([1, -0.5], to: w.dPrediction!.sub(0, 2))
        try model.backward(p, w, graphs: 2, inputGradients: true)
        let objective = { (x: [Float], e: [Float]) throws -> Double in
            try d.upload(x, to: w.x0); try d.upload(e, to: w.e0)
            try model.forward(p, w, graphs: 2)
            let f = try d.download(w.prediction.sub(0, 2))
            return Double(f[0]) - 0.5 * Double(f[1])
        }
        return (try d.download(w.dX0!), try d.download(w.dE0!), try d.download(p.grads.all), objective)
    }

    func testPredictorInputGradientMatchesFiniteDifferences() throws {
        let d = Device()
        let (dx, de, _, objective) = try predictorGradients(d)
        let model = try GraphTransformer(Self.predictorConfig)
        let w = try model.makeWorkspace(device: d, capacity: 2, training: true)
        try fillInputs(d, w, classes: 3, yWidth: 1)
        let x = try d.download(w.x0), e = try d.download(w.e0)
        // ReLUs and the min/max pooling have kinks: an entry passes when some step h agrees.
        let steps: [Float] = [1e-2, 3e-3, 1e-3]
        let numericX = try steps.map { h in try numericGradient(x, h: h) { try objective($0, e) } }
        let numericE = try steps.map { h in try numericGradient(e, h: h) { try objective(x, $0) } }
        let scale = max(1e-3, (numericX[0].values.map(abs) + numericE[0].values.map(abs)).max()!)
        var worst = 0.0
        for i in x.indices { worst = max(worst, numericX.map { abs(Double(dx[i]) - $0[i]!) / scale }.min()!) }
        for i in e.indices { worst = max(worst, numericE.map { abs(Double(de[i]) - $0[i]!) / scale }.min()!) }
        print("predictor input gradient vs finite differences: worst relative error \(worst)")
        XCTAssertLessThan(worst, 1e-2)
        // Padded node 3 of graph 1 and its pairs carry no gradient; real ones do.
        XCTAssertEqual((0..<3).map { dx[(4 + 3) * 3 + $0] }, [0, 0, 0])
        XCTAssertGreaterThan(dx[0..<12].map(abs).max()!, 1e-4)
    }

    func testPredictorParameterGradientMatchesFiniteDifferences() throws {
        let d = Device()
        let model = try GraphTransformer(Self.predictorConfig)
        let (_, _, analytic, _) = try predictorGradients(d)
        let p = try model.initialParameters(on: d, seed: 4)
        let w = try model.makeWorkspace(device: d, capacity: 2, training: false)
        try fillInputs(d, w, classes: 3, yWidth: 1)
        let theta = try d.download(p.values.all)
        let idx = GraphTransformerTests.oneIndexPerTensor(model)
        let numeric = try numericGradient(theta, h: 2e-3, indices: idx) { values in
            try d.upload(values, to: p.values.all)
            try model.forward(p, w, graphs: 2)
            let f = try d.download(w.prediction.sub(0, 2))
            return Double(f[0]) - 0.5 * Double(f[1])
        }
        let scale = max(1e-3, numeric.values.map(abs).max()!)
        var worst = 0.0, worstName = ""
        for (k, e) in model.layout.entries.enumerated() {
            let err = abs(Double(analytic[idx[k]]) - numeric[idx[k]]!) / scale
            if err > worst { worst = err; worstName = e.name }
        }
        print("predictor parameter gradient vs finite differences: worst relative error \(worst) (\(worstName))")
        XCTAssertLessThan(worst, 2e-2, worstName)
        XCTAssertTrue(model.layout.entries.contains { $0.name == "head.2.weight" })
        XCTAssertFalse(model.layout.entries.contains { $0.name.hasPrefix("mlp_out_") }, "a predictor has no output MLPs")
    }

    func testPredictorGradientsOnOpenCLMatchSwift() throws {
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found: OpenCL input-gradient parity skipped") }
        let want = try predictorGradients(Device())
        for cl in [try Device(openCL: info), try Device(openCL: info.treatedAsGPU())] {
            let got = try predictorGradients(cl)
            let scale = want.dx.map(abs).max()!
            let err = max(zip(got.dx, want.dx).map { abs($0 - $1) }.max()!, zip(got.de, want.de).map { abs($0 - $1) }.max()!) / scale
            XCTAssertLessThan(err, 1e-4, "\(cl.isGPU ? "GPU" : "CPU")-shaped kernels: input gradients")
            let thetaScale = want.dtheta.map(abs).max()!
            XCTAssertLessThan(zip(got.dtheta, want.dtheta).map { abs($0 - $1) }.max()! / thetaScale, 1e-4, "parameter gradients")
        }
    }

    /// With parameter gradients off (predictor guidance), the backward writes the same input gradients,
    /// bit for bit, and leaves the parameters' gradients alone, on the twin and on CPU- and GPU-shaped
    /// kernels.
    func testInputsOnlyBackwardGivesTheSameInputGradients() throws {
        var devices = [Device()]
        if let info = try OpenCLDiscovery.devices().first { devices += [try Device(openCL: info), try Device(openCL: info.treatedAsGPU())] }
        for d in devices {
            let full = try predictorGradients(d), inputsOnly = try predictorGradients(d, parameterGradients: false)
            XCTAssertEqual(inputsOnly.dx, full.dx, d.name)
            XCTAssertEqual(inputsOnly.de, full.de, d.name)
            XCTAssertTrue(inputsOnly.dtheta.allSatisfy { $0 == 7 }, "parameter gradients untouched on \(d.name)")
            XCTAssertFalse(full.dtheta.allSatisfy { $0 == 7 }, "the full backward writes them")
        }
    }

    /// The denoiser's backward reaches its inputs too (through the input MLPs and the logits' residual).
    func testDenoiserInputGradientMatchesFiniteDifferences() throws {
        let d = Device()
        let model = try GraphTransformer(GraphTransformerTests.tiny)
        let p = try model.initialParameters(on: d, seed: 9)
        let w = try model.makeWorkspace(device: d, capacity: 2, training: true)
        try fillInputs(d, w, classes: 3, yWidth: 3)
        let seedX: [Float] = (0..<(2 * 4 * 3)).map { i -> Float in Float((i * 37) % 11) / 11 - 0.5 }
        let seedE: [Float] = (0..<(2 * 16 * 2)).map { i -> Float in Float((i * 53) % 13) / 13 - 0.5 }
        // Objective: ⟨seedX, xLogits⟩ + ⟨seedE, eLogits⟩.
        func objective() throws -> Double {
            try model.forward(p, w, graphs: 2)
            let lx = try d.download(w.xLogits.sub(0, seedX.count)), le = try d.download(w.eLogits.sub(0, seedE.count))
            var total = 0.0
            for (a, b) in zip(lx, seedX) { total += Double(a * b) }
            for (a, b) in zip(le, seedE) { total += Double(a * b) }
            return total
        }
        _ = try objective()
        try model.zeroGradients(p, w)
        try d.upload(seedX, to: w.dOut!.xLogits.sub(0, seedX.count))
        try d.upload(seedE, to: w.dOut!.eLogits.sub(0, seedE.count))
        try model.backward(p, w, graphs: 2, inputGradients: true)
        let dx = try d.download(w.dX0!)
        let x = try d.download(w.x0)
        let numeric = try numericGradient(x, h: 1e-2) { values in try d.upload(values, to: w.x0); return try objective() }
        let scale = max(1e-3, numeric.values.map(abs).max()!)
        let worst = numeric.map { abs(Double(dx[$0.key]) - $0.value) / scale }.max()!
        print("denoiser input gradient vs finite differences: worst relative error \(worst)")
        XCTAssertLessThan(worst, 1e-2)
    }
}
