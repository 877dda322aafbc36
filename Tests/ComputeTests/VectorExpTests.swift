import XCTest
import Foundation
@testable import Compute

final class VectorExpTests: XCTestCase {
    /// Against expf over the range a softmax feeds it and beyond, in ulps of the result.
    func testWithinAFewUlpOfExpf() {
        var worst: Float = 0, worstX: Float = 0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-3 })
            let got = VectorExp.exp(lanes)
            for i in 0..<8 {
                let want = expf(lanes[i])
                let ulps = abs(got[i] - want) / want.ulp
                if ulps > worst { worst = ulps; worstX = lanes[i] }
            }
            x += 0.0137
        }
        XCTAssertLessThanOrEqual(worst, 2, "worst \(worst) ulp at x = \(worstX)")
        XCTAssertEqual(VectorExp.exp(SIMD8(repeating: 0))[0], 1)
        XCTAssertGreaterThan(VectorExp.exp(SIMD8(repeating: -.infinity))[0], 0)   // clamped, not NaN
        XCTAssertLessThan(VectorExp.exp(SIMD8(repeating: -200))[0], 2e-38)
    }
}
