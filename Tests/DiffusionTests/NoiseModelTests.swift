import XCTest
@testable import Diffusion

final class NoiseModelTests: XCTestCase {
    func testCosineScheduleMatchesThePublishedTable() {
        // dinas-spec §2.1, recomputed there in float64 from the DiGress formula.
        let s = NoiseSchedule(steps: 500)
        func close(_ a: Double, _ b: Double, _ rel: Double = 5e-3, what: String) { XCTAssertEqual(a, b, accuracy: abs(b) * rel, what) }
        close(s.betas[0], 8.72e-5, what: "β0"); close(s.betas[1], 1.066e-4, what: "β1"); close(s.betas[250], 6.28e-3, what: "β250")
        close(s.betas[499], 0.75, what: "β499"); close(s.betas[500], 0.9999, 1e-9, what: "β500 clamped")
        close(s.alphaBars[0], 0.999913, 1e-6, what: "ᾱ0"); close(s.alphaBars[100], 0.8972, 1e-3, what: "ᾱ100")
        close(s.alphaBars[250], 0.4923, 1e-3, what: "ᾱ250"); close(s.alphaBars[400], 0.0937, 2e-3, what: "ᾱ400")
        close(s.alphaBars[499], 9.68e-6, what: "ᾱ499"); close(s.alphaBars[500], 9.68e-10, what: "ᾱ500")
    }

    func testMatricesAreRowStochasticAndStridedTransitionIsTheProductOfSteps() {
        let s = NoiseSchedule(steps: 50)
        let t = MarginalTransitions(marginal: [3, 1, 4, 2])
        let d = 4
        for step in [0, 7, 50] {
            let q = t.cumulative(s, step)
            for i in 0..<d { XCTAssertEqual(q[(i * d)..<(i * d + d)].reduce(0, +), 1, accuracy: 1e-6) }
        }
        // Independent oracle: multiply the one-step matrices Q_{s+1} … Q_t by hand.
        func mul(_ a: [Double], _ b: [Double]) -> [Double] {
            (0..<(d * d)).map { ij in (0..<d).reduce(0.0) { $0 + a[(ij / d) * d + $1] * b[$1 * d + ij % d] } }
        }
        var product = (0..<(d * d)).map { $0 / d == $0 % d ? 1.0 : 0.0 }
        for k in 11...23 { product = mul(product, t.matrix(keep: 1 - s.betas[k]).map(Double.init)) }
        let strided = t.transition(s, from: 10, to: 23)
        for i in 0..<(d * d) { XCTAssertEqual(Double(strided[i]), product[i], accuracy: 1e-6) }
    }

    func testStridedTimestepsVisitTAndZero() {
        XCTAssertEqual(Sampler.timesteps(total: 500, steps: 500), Array((0...500).reversed()))
        let ts = Sampler.timesteps(total: 500, steps: 20)
        XCTAssertEqual(ts.count, 21); XCTAssertEqual(ts.first, 500); XCTAssertEqual(ts.last, 0)
        XCTAssertEqual(ts, ts.sorted(by: >)); XCTAssertEqual(Set(ts).count, 21)
    }
}
