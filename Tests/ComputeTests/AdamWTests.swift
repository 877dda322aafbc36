import XCTest
@testable import Compute

final class AdamWTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.adamW) }

    private let start: [Float] = [1.0, -0.5, 0.25]
    // Element 1's second gradient is tiny, so v shrinks at step 2 and amsgrad (max of v) changes the result.
    private let gradients: [[Float]] = [[0.1, -0.2, 0.3], [-0.3, 0.001, 0.3]]
    private let lr: Float = 0.1, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.1

    private func twoSteps(_ d: Device, amsgrad: Bool) throws -> (params: [Float], m: [Float], v: [Float], vMax: [Float]) {
        let n = start.count
        let zeros = [Float](repeating: 0, count: n)
        let p = try d.makeBuffer(start), g = try d.makeBuffer(count: n)
        let m = try d.makeBuffer(zeros), v = try d.makeBuffer(zeros), vMax = try d.makeBuffer(zeros)
        for (i, grad) in gradients.enumerated() {
            try d.upload(grad, to: g.all)
            try d.adamW(params: p.all, grads: g.all, m: m.all, v: v.all, vMax: amsgrad ? vMax.all : nil, lr: lr,
                        beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, step: i + 1)
        }
        return (try d.download(p.all), try d.download(m.all), try d.download(v.all), try d.download(vMax.all))
    }

    // Expected values: torch.optim.AdamW's formula evaluated in Double by hand (Python floats):
    //   p ← p(1 − lr·wd); m ← β1m + (1−β1)g; v ← β2v + (1−β2)g²; v̂ ← max(v̂, v) (amsgrad);
    //   p ← p − lr/(1−β1^t) · m / (sqrt(v or v̂)/sqrt(1−β2^t) + eps), t = 1, 2.
    // Step 1 of element 0 by hand: p = 0.99; m = 0.01, v = 1e-5; m/(1−β1) = 0.1, sqrt(v/(1−β2)) = 0.1;
    // p = 0.99 − 0.1·0.1/(0.1 + 1e-8) = 0.89000001.
    func testAdamWMatchesHandComputedTwoSteps() throws {
        let got = try twoSteps(TestDevices.swift, amsgrad: false)
        let want: [Double] = [0.93051899102, -0.324417272572, 0.0460250066333]
        for i in want.indices { XCTAssertEqual(Double(got.params[i]), want[i], accuracy: 2e-6, "param \(i)") }
        let wantM: [Double] = [-0.021, -0.0179, 0.057], wantV: [Double] = [9.999e-05, 3.9961e-05, 1.7991e-04]
        for i in wantM.indices {
            XCTAssertEqual(Double(got.m[i]), wantM[i], accuracy: 1e-8, "m \(i)")
            XCTAssertEqual(Double(got.v[i]), wantV[i], accuracy: 1e-10, "v \(i)")
        }
        XCTAssertEqual(got.vMax, [0, 0, 0], "vMax untouched without amsgrad")
    }

    func testAMSGradMatchesHandComputedTwoSteps() throws {
        let got = try twoSteps(TestDevices.swift, amsgrad: true)
        // Only element 1 differs from plain AdamW: its denominator keeps v from step 1 (4e-5 > 3.9961e-5).
        let want: [Double] = [0.93051899102, -0.324449763949, 0.0460250066333]
        for i in want.indices { XCTAssertEqual(Double(got.params[i]), want[i], accuracy: 2e-6, "param \(i)") }
        let wantVMax: [Double] = [9.999e-05, 4.0e-05, 1.7991e-04]
        for i in wantVMax.indices { XCTAssertEqual(Double(got.vMax[i]), wantVMax[i], accuracy: 1e-10, "vMax \(i)") }
    }

    func testWeightDecayAloneShrinksParameters() throws {
        // Zero gradients leave m = v = 0, so the Adam step is 0/(0 + eps) = 0 and only p·(1 − lr·wd) remains.
        let d = TestDevices.swift
        let p = try d.makeBuffer([2, -4]), g = try d.makeBuffer(count: 2)
        let m = try d.makeBuffer(count: 2), v = try d.makeBuffer(count: 2)
        try d.adamW(params: p.all, grads: g.all, m: m.all, v: v.all, vMax: nil, lr: 0.5, beta1: 0.9, beta2: 0.999,
                    eps: 1e-8, weightDecay: 0.2, step: 1)
        let got = try d.download(p.all)
        XCTAssertEqual(got[0], 1.8, accuracy: 1e-6)
        XCTAssertEqual(got[1], -3.6, accuracy: 1e-6)
    }

    func testAdamWOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        var rng = SeededRandom(31)
        let n = 10_000
        let p0 = randomArray(n, &rng)
        let grads = (0..<3).map { _ in randomArray(n, &rng, in: -0.1...0.1) }
        for amsgrad in [false, true] {
            func run(_ d: Device) throws -> [Float] {
                // m, v and vMax must start at zero.
                let zeros = [Float](repeating: 0, count: n)
                let p = try d.makeBuffer(p0), g = try d.makeBuffer(count: n)
                let m = try d.makeBuffer(zeros), v = try d.makeBuffer(zeros), vMax = try d.makeBuffer(zeros)
                for (i, grad) in grads.enumerated() {
                    try d.upload(grad, to: g.all)
                    try d.adamW(params: p.all, grads: g.all, m: m.all, v: v.all, vMax: amsgrad ? vMax.all : nil,
                                lr: 2e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, step: i + 1)
                }
                return try d.download(p.all) + d.download(m.all) + d.download(v.all) + d.download(vMax.all)
            }
            let err = maxAbsDiff(try run(TestDevices.swift), try run(cl))
            print("parity adamW (amsgrad \(amsgrad)): max abs err", err)
            // Same operations in the same order; the device may fuse a*b+c (-cl-mad-enable) and its
            // sqrt/divide are correctly rounded or ≤ 3 ulp. Params are ≤ 1 (ulp 6e-8), so a few ulp ≤ 5e-7.
            XCTAssertLessThanOrEqual(err, 5e-7)
        }
    }

    func testAdamWSizeMismatchAndStepZeroAreClearErrors() throws {
        let d = TestDevices.swift
        let p = try d.makeBuffer(count: 4), short = try d.makeBuffer(count: 3)
        XCTAssertThrowsError(try d.adamW(params: p.all, grads: p.all, m: p.all, v: p.all, vMax: short.all, lr: 1, beta1: 0.9,
                                         beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1)) { e in
            XCTAssertTrue("\(e)".contains("adamW: invalid size"), "\(e)")
            XCTAssertTrue("\(e)".contains("vMax"), "\(e)")
        }
        XCTAssertThrowsError(try d.adamW(params: p.all, grads: p.all, m: p.all, v: p.all, vMax: nil, lr: 1, beta1: 0.9,
                                         beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 0)) { e in
            XCTAssertTrue("\(e)".contains("step = 0"), "\(e)")
        }
    }
}
