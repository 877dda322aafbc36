import XCTest
@testable import Compute

// Device.reverseStep: guidance, softmax, support truncation, posterior and draw for every row, against
// the formulas in Double, its own draws, and (on PoCL) the Swift twin.
final class ReverseStepTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.reverseStep) }

    /// The marginal transition (1 − b)·I + b·1mᵀ, row-major, in Double (dinas-spec §2.2).
    private func marginalTransition(_ b: Double, _ m: [Double]) -> [Double] {
        let d = m.count
        var q = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { q[i * d + j] = (i == j ? 1 - b : 0) + b * m[j] } }
        return q
    }

    /// Q_t, Q̄_s and Q̄_t of one step, with a zero marginal for the last class when `zeroLast` (so Q̄_t
    /// has exact zeros: the 1e-6 denominator rule).
    private func transitions(classes d: Int, zeroLast: Bool, _ rng: inout SeededRandom) -> [Double] {
        var m = (0..<d).map { _ in Double.random(in: 0.05...1, using: &rng) }
        if zeroLast { m[d - 1] = 0 }
        let sum = m.reduce(0, +); m = m.map { $0 / sum }
        let beta = Double.random(in: 0.01...0.5, using: &rng), barS = Double.random(in: 0.05...0.99, using: &rng)
        return marginalTransition(beta, m) + marginalTransition(1 - barS, m) + marginalTransition(1 - barS * (1 - beta), m)
    }

    /// What a row is drawn from, in Double, straight from the formulas: guidance in logit space,
    /// softmax, support truncation, then the posterior of dinas-spec §2.4.
    private func reference(logits: [Float], passes: Int, mix: [Float], threshold: Float, zt: Float, trans: [Double],
                           row: Int, rows: Int, classes d: Int) -> [Double] {
        func softmax(_ x: [Double]) -> [Double] {
            let top = x.max()!, e = x.map { exp($0 - top) }, s = e.reduce(0, +)
            return e.map { $0 / s }
        }
        let pass = { (p: Int) in (0..<d).map { Double(logits[(p * rows + row) * d + $0]) } }
        var guided = pass(0)
        for p in 1..<passes { guided = zip(pass(p), guided).map { Double(mix[2 * p - 2]) * $0 + Double(mix[2 * p - 1]) * $1 } }
        var x0 = softmax(guided)
        if passes > 1, threshold > 0 {
            let support = softmax(pass(0))
            for c in 0..<d where support[c] < Double(threshold) { x0[c] = 0 }
        }
        guard zt >= 0 else { return [Double](repeating: 1 / Double(d), count: d) }
        let z = Int(zt), sq = d * d
        var unnorm = [Double](repeating: 0, count: d)
        for c in 0..<d {
            for a in 0..<d {
                var den = trans[2 * sq + a * d + z]
                if den == 0 { den = 1e-6 }
                unnorm[c] += x0[a] * trans[c * d + z] * trans[sq + a * d + c] / den
            }
        }
        let total = unnorm.reduce(0, +)
        return unnorm.map { total == 0 ? 1 / Double(d) : $0 / total }
    }

    private struct Case {
        var logits: [Float], passes: Int, mix: [Float], threshold: Float, zt: [Float], trans: [Double]
        var rows: Int, classes: Int, pairNodes: Int
    }

    /// Random logits for `passes` passes, padding rows (zt = −1) and a spread of current classes.
    private func randomCase(rows: Int, classes d: Int, passes: Int, threshold: Float, pairNodes: Int = 0, seed: UInt64) -> Case {
        var rng = SeededRandom(seed)
        let mix: [Float] = passes == 1 ? [] : passes == 2 ? [3, -2] : (1..<passes).flatMap { p in [Float(1.5 + Double(p)), p == 1 ? -2.5 : 1] }
        return Case(logits: randomArray(passes * rows * d, &rng, in: -6...6), passes: passes, mix: mix, threshold: threshold,
                    zt: (0..<rows).map { $0 % 7 == 3 ? -1 : Float(Int.random(in: 0..<d, using: &rng)) },
                    trans: transitions(classes: d, zeroLast: seed % 2 == 0, &rng), rows: rows, classes: d, pairNodes: pairNodes)
    }

    private func run(_ dev: Device, _ k: Case, seed: UInt64 = 5, stream: UInt64 = 9) throws -> (classes: [Float], posterior: [Float]) {
        let out = try dev.makeBuffer(count: k.rows), post = try dev.makeBuffer(count: k.rows * k.classes)
        try dev.reverseStep(out: out.all, logits: try dev.makeBuffer(k.logits).all, passes: k.passes, mix: try dev.makeBuffer(k.mix).all,
                            supportThreshold: k.threshold, zt: try dev.makeBuffer(k.zt).all,
                            transitions: try dev.makeBuffer(k.trans.map(Float.init)).all, rows: k.rows, classes: k.classes,
                            pairNodes: k.pairNodes, seed: seed, stream: stream, posterior: post.all)
        return (try dev.download(out.all), try dev.download(post.all))
    }

    /// The row whose draw row r takes: its mirror above the diagonal for pair rows below it.
    private func source(_ r: Int, _ k: Case) -> Int {
        guard k.pairNodes > 0 else { return r }
        let n = k.pairNodes, g = r / (n * n), i = (r / n) % n, j = r % n
        return i > j ? g * n * n + j * n + i : r
    }

    func testTwoClassBayesRuleByHand() throws {
        // m = (0.3, 0.7), β_t = 0.2, ᾱ_s = 0.6, ᾱ_t = ᾱ_s(1 − β_t) = 0.48:
        //   Q_t = [[0.86, 0.14], [0.06, 0.94]],  Q̄_s = [[0.72, 0.28], [0.12, 0.88]],  Q̄_t = [[0.636, 0.364], [0.156, 0.844]]
        // (Q̄_s·Q_t = Q̄_t, as it must). With z_t = 1:
        //   q(z_s | z_t=1, x0=0) = (0.14·0.72, 0.94·0.28)/0.364 = (0.1008, 0.2632)/0.364
        //   q(z_s | z_t=1, x0=1) = (0.14·0.12, 0.94·0.88)/0.844 = (0.0168, 0.8272)/0.844
        // and p̂(x0) = (0.25, 0.75) mixes them; each q sums to 1, so the mixture already does.
        // Logits log p̂ give p̂ back through the softmax; one pass, so no guidance.
        let m = [0.3, 0.7]
        let trans = marginalTransition(0.2, m) + marginalTransition(1 - 0.6, m) + marginalTransition(1 - 0.48, m)
        XCTAssertEqual(trans[1], 0.14, accuracy: 1e-12); XCTAssertEqual(trans[6], 0.12, accuracy: 1e-12)
        XCTAssertEqual(trans[11], 0.844, accuracy: 1e-12)
        let k = Case(logits: [logf(0.25), logf(0.75), 0, -.infinity], passes: 1, mix: [], threshold: 0, zt: [1, 1], trans: trans,
                     rows: 2, classes: 2, pairNodes: 0)
        let got = try run(TestDevices.swift, k).posterior
        let mixed0 = 0.25 * 0.1008 / 0.364 + 0.75 * 0.0168 / 0.844      // = 0.0841597…
        XCTAssertEqual(Double(got[0]), mixed0, accuracy: 1e-6)
        XCTAssertEqual(Double(got[1]), 1 - mixed0, accuracy: 1e-6)
        XCTAssertEqual(Double(got[2]), 0.1008 / 0.364, accuracy: 1e-6)  // the true-x0 posterior (validation loss)
        XCTAssertEqual(Double(got[3]), 0.2632 / 0.364, accuracy: 1e-6)
    }

    func testGuidedPosteriorMatchesDoubleReference() throws {
        // One pass; joint guidance with and without truncation; three passes (composed guidance).
        for (passes, threshold, seed) in [(1, Float(0), UInt64(41)), (2, 0, 42), (2, 0.05, 43), (3, 0.05, 44)] {
            let k = randomCase(rows: 40, classes: 5, passes: passes, threshold: threshold, seed: seed)
            let got = try run(TestDevices.swift, k).posterior
            for r in 0..<k.rows {
                let want = reference(logits: k.logits, passes: passes, mix: k.mix, threshold: threshold, zt: k.zt[r], trans: k.trans,
                                     row: r, rows: k.rows, classes: k.classes)
                for c in 0..<k.classes {
                    XCTAssertEqual(Double(got[r * k.classes + c]), want[c], accuracy: 1e-5, "passes \(passes) row \(r) class \(c)")
                }
                XCTAssertEqual(got[r * k.classes..<(r + 1) * k.classes].reduce(0, +), 1, accuracy: 1e-5, "row \(r) sum")
            }
        }
    }

    func testTruncationOfEveryClassGivesAUniformPosterior() throws {
        // The unconditional pass puts all its mass on class 0; guidance moves it to class 1; a threshold
        // above every unconditional probability leaves p̂(x0) without mass.
        let trans = marginalTransition(0.3, [0.5, 0.5]) + marginalTransition(0.5, [0.5, 0.5]) + marginalTransition(0.6, [0.5, 0.5])
        let k = Case(logits: [0, 0, 0, 20], passes: 2, mix: [3, -2], threshold: 0.9, zt: [0], trans: trans, rows: 1, classes: 2, pairNodes: 0)
        XCTAssertEqual(try run(TestDevices.swift, k).posterior, [0.5, 0.5])
    }

    func testDrawsComeFromThePosteriorOfTheirSourceRow() throws {
        // Node rows draw from their own posterior with Philox row r; pair rows below the diagonal repeat
        // the draw above it and the diagonal is class 0.
        for k in [randomCase(rows: 56, classes: 7, passes: 2, threshold: 0.01, seed: 45),
                  randomCase(rows: 3 * 16, classes: 2, passes: 2, threshold: 0.01, pairNodes: 4, seed: 46)] {
            let (classes, posterior) = try run(TestDevices.swift, k, seed: 77, stream: 12)
            var different = 0
            for r in 0..<k.rows {
                let src = source(r, k), n = k.pairNodes
                if n > 0, (r / n) % n == r % n { XCTAssertEqual(classes[r], 0, "diagonal row \(r)"); continue }
                let row = Array(posterior[src * k.classes..<(src + 1) * k.classes])
                let u = Philox4x32.uniform(seed: 77, row: UInt64(src), stream: 12)
                XCTAssertEqual(classes[r], row.withUnsafeBufferPointer { drawClass($0.baseAddress!, classes: k.classes, u: u) }, "row \(r)")
                if src != r { XCTAssertEqual(classes[r], classes[src], "row \(r) mirrors row \(src)") }
                if classes[r] != classes[(r + 1) % k.rows] { different += 1 }
            }
            XCTAssertGreaterThan(different, k.rows / 4, "the draws should vary between rows")
            XCTAssertNotEqual(classes, try run(TestDevices.swift, k, seed: 77, stream: 13).classes, "another stream, other draws")
        }
    }

    func testReverseStepOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        // Pair-shaped (8 nodes, 2 classes, mirrored) and node-shaped (7 classes), the sampler's guidance modes.
        let cases = [randomCase(rows: 48 * 64, classes: 2, passes: 2, threshold: 1e-4, pairNodes: 8, seed: 47),
                     randomCase(rows: 48 * 8, classes: 7, passes: 2, threshold: 1e-4, seed: 48),
                     randomCase(rows: 48 * 8, classes: 7, passes: 3, threshold: 0, seed: 49),
                     randomCase(rows: 48 * 8, classes: 7, passes: 1, threshold: 0, seed: 50)]
        for k in cases {
            let s = try run(TestDevices.swift, k), c = try run(cl, k)
            let err = maxAbsDiff(s.posterior, c.posterior)
            // Same operations in the same order; the device's exp is within a few ulp of expf, and the
            // posterior's d² terms add a few ulp more: probabilities ≤ 1 agree to 2e-6.
            XCTAssertLessThanOrEqual(err, 2e-6, "posterior, \(k.rows)×\(k.classes), \(k.passes) passes")
            // A draw may differ only where u·Σ lies within rounding of a CDF step; elsewhere it must not.
            var mismatches = 0, ambiguous = 0
            for r in 0..<k.rows where s.classes[r] != c.classes[r] {
                mismatches += 1
                let src = source(r, k), row = s.posterior[src * k.classes..<(src + 1) * k.classes]
                let target = Philox4x32.uniform(seed: 5, row: UInt64(src), stream: 9) * row.reduce(0, +)
                var cdf: Float = 0
                for p in row { cdf += p; if abs(cdf - target) < 1e-5 { ambiguous += 1; break } }
            }
            print("parity reverseStep (\(k.rows)×\(k.classes), \(k.passes) passes): posterior max abs err \(err), \(mismatches) different draws")
            XCTAssertEqual(mismatches, ambiguous, "draws differ away from a CDF step")
        }
    }

    /// Predictor guidance on top of a case: a gradient per row and class, an allowed mask for node rows.
    private struct Guide { var gradient: [Float], allowed: [Float]?, scale: Float, limit: Float }

    private func randomGuide(_ k: Case, seed: UInt64, forbid: Bool) -> Guide {
        var rng = SeededRandom(seed)
        let gradient = randomArray(k.rows * k.classes, &rng, in: -2...2)
        var allowed: [Float]?
        if forbid {
            // Every third row forbids its last class; every fifth row allows one class only (a fixed row).
            allowed = (0..<k.rows).flatMap { r in (0..<k.classes).map { c -> Float in
                if r % 5 == 0 { return c == 1 ? 1 : 0 }
                return r % 3 == 0 && c == k.classes - 1 ? 0 : 1
            } }
        }
        return Guide(gradient: gradient, allowed: allowed, scale: 1.5, limit: 3)
    }

    private func runGuided(_ dev: Device, _ k: Case, _ guide: Guide) throws -> (classes: [Float], posterior: [Float]) {
        let out = try dev.makeBuffer(count: k.rows), post = try dev.makeBuffer(count: k.rows * k.classes)
        let term = PredictorGuidanceTerm(gradient: try dev.makeBuffer(guide.gradient).all, allowed: try guide.allowed.map { try dev.makeBuffer($0).all },
                                         scale: guide.scale, limit: guide.limit)
        try dev.reverseStep(out: out.all, logits: try dev.makeBuffer(k.logits).all, passes: k.passes, mix: try dev.makeBuffer(k.mix).all,
                            supportThreshold: k.threshold, zt: try dev.makeBuffer(k.zt).all,
                            transitions: try dev.makeBuffer(k.trans.map(Float.init)).all, rows: k.rows, classes: k.classes,
                            pairNodes: k.pairNodes, seed: 5, stream: 9, predictorGuidance: term, posterior: post.all)
        return (try dev.download(out.all), try dev.download(post.all))
    }

    /// The guided posterior of a row from the unguided one, in Double (Nisonoff et al.'s first-order
    /// rule): p(c)·exp(clamp(λ(g_c − g_zt))) on allowed classes, renormalised; rows with one allowed
    /// class and padding untouched; pair rows sum the gradient of (i, j) and (j, i).
    private func guidedReference(_ unguided: [Double], _ k: Case, _ guide: Guide, row src: Int) -> [Double] {
        let d = k.classes, z = k.zt[src]
        guard z >= 0 else { return unguided }
        var g = (0..<d).map { Double(guide.gradient[src * d + $0]) }
        var allowed = [Bool](repeating: true, count: d)
        if k.pairNodes > 0 {
            let n = k.pairNodes, gi = src / (n * n), i = (src / n) % n, j = src % n, mirror = gi * n * n + j * n + i
            for c in 0..<d { g[c] += Double(guide.gradient[mirror * d + c]) }
        } else if let a = guide.allowed {
            allowed = (0..<d).map { a[src * d + $0] > 0.5 }
        }
        guard allowed.filter({ $0 }).count >= 2 else { return unguided }
        let base = g[Int(z)], limit = Double(guide.limit)
        let w = (0..<d).map { c in allowed[c] ? unguided[c] * exp(min(max(Double(guide.scale) * (g[c] - base), -limit), limit)) : 0 }
        let total = w.reduce(0, +)
        return total > 0 ? w.map { $0 / total } : unguided
    }

    func testPredictorGuidanceReweightsThePosterior() throws {
        for (k, forbid) in [(randomCase(rows: 40, classes: 5, passes: 2, threshold: 0.01, seed: 60), true),
                            (randomCase(rows: 40, classes: 7, passes: 1, threshold: 0, seed: 61), false),
                            (randomCase(rows: 3 * 16, classes: 2, passes: 1, threshold: 0, pairNodes: 4, seed: 62), false)] {
            let guide = randomGuide(k, seed: 63, forbid: forbid)
            let plain = try run(TestDevices.swift, k).posterior, guided = try runGuided(TestDevices.swift, k, guide)
            var moved = 0
            for r in 0..<k.rows {
                let src = source(r, k), n = k.pairNodes
                if n > 0, (r / n) % n == r % n { continue }
                let want = guidedReference((0..<k.classes).map { Double(plain[src * k.classes + $0]) }, k, guide, row: src)
                for c in 0..<k.classes {
                    XCTAssertEqual(Double(guided.posterior[r * k.classes + c]), want[c], accuracy: 2e-6, "row \(r) class \(c)")
                }
                if (0..<k.classes).contains(where: { abs(Double(plain[src * k.classes + $0]) - want[$0]) > 1e-3 }) { moved += 1 }
            }
            XCTAssertGreaterThan(moved, 4, "guidance should change rows' posteriors (sharp ones barely move)")
        }
    }

    func testPredictorGuidanceOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        for (k, forbid) in [(randomCase(rows: 48 * 8, classes: 7, passes: 2, threshold: 1e-4, seed: 64), true),
                            (randomCase(rows: 48 * 64, classes: 2, passes: 1, threshold: 0, pairNodes: 8, seed: 65), false)] {
            let guide = randomGuide(k, seed: 66, forbid: forbid)
            let s = try runGuided(TestDevices.swift, k, guide), c = try runGuided(cl, k, guide)
            XCTAssertLessThanOrEqual(maxAbsDiff(s.posterior, c.posterior), 4e-6, "\(k.rows)×\(k.classes)")
            XCTAssertGreaterThan(zip(s.classes, c.classes).filter { $0 == $1 }.count, k.rows * 99 / 100, "draws agree")
        }
    }

    func testBadArgumentsAreClearErrors() throws {
        let d = TestDevices.swift
        let k = randomCase(rows: 2 * 16, classes: 2, passes: 2, threshold: 0, pairNodes: 4, seed: 51)
        let zt = try d.makeBuffer(k.zt), logits = try d.makeBuffer(k.logits), mix = try d.makeBuffer(k.mix)
        let trans = try d.makeBuffer(k.trans.map(Float.init))
        func step(out: View? = nil, classes: Int = 2, rows: Int = 32, trans t: View? = nil, pairNodes: Int = 4, threshold: Float = 0) throws {
            try d.reverseStep(out: out ?? (try d.makeBuffer(count: rows)).all, logits: logits.all, passes: 2, mix: mix.all,
                              supportThreshold: threshold, zt: zt.all, transitions: t ?? trans.all, rows: rows, classes: classes,
                              pairNodes: pairNodes, seed: 1, stream: 1)
        }
        XCTAssertNoThrow(try step())
        let expectations: [(String, () throws -> Void)] = [
            ("out overlaps zt", { try step(out: zt.all) }),
            ("not a whole number of 4×4", { try step(rows: 24) }),
            ("transitions", { try step(trans: trans.view(0, 8)) }),
            ("at most 32", { try step(classes: 33, rows: 1, pairNodes: 0) }),
            ("supportThreshold", { try step(threshold: .nan) }),
        ]
        for (message, call) in expectations {
            XCTAssertThrowsError(try call()) { e in
                XCTAssertTrue("\(e)".contains("reverseStep: invalid size") && "\(e)".contains(message), "\(e)")
            }
        }
        // Node rows may update their classes in place.
        XCTAssertNoThrow(try d.reverseStep(out: zt.view(0, 16), logits: logits.view(0, 64), passes: 2, mix: mix.all, supportThreshold: 0,
                                           zt: zt.view(0, 16), transitions: trans.all, rows: 16, classes: 2, seed: 1, stream: 1))
    }
}
