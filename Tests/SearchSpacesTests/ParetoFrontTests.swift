import XCTest
import SearchSpaces

final class ParetoFrontTests: XCTestCase {
    func p(_ cost: Double, _ value: Double, _ row: Int) -> TradeOffPoint { TradeOffPoint(cost: cost, value: value, row: row) }

    func testTinyFrontAndHypervolume() {
        // (3,4) is beaten by (2,5); (4,1) by (1,3).
        let points = [p(1, 3, 0), p(2, 5, 1), p(3, 4, 2), p(4, 1, 3)]
        XCTAssertEqual(ParetoFront.front(of: points).map(\.row), [0, 1])
        // Reference (4, 0): [1,4]×[0,3] ∪ [2,4]×[0,5] = 9 + 10 − 6 (overlap [2,4]×[0,3]) = 13.
        XCTAssertEqual(ParetoFront.hypervolume(of: points, referenceCost: 4, referenceValue: 0), 13, accuracy: 1e-12)
    }

    func testTiesAndDuplicates() {
        // Same cost: only the higher value survives; identical points: the first one.
        let points = [p(1, 2, 0), p(1, 3, 1), p(1, 3, 2), p(2, 3, 3), p(0.5, 1, 4)]
        XCTAssertEqual(ParetoFront.front(of: points).map(\.row), [4, 1])
        // Reference (3, 0): [0.5,3]×[0,1] ∪ [1,3]×[0,3] = 2.5 + 6 − 2 (overlap [1,3]×[0,1]) = 6.5.
        XCTAssertEqual(ParetoFront.hypervolume(of: points, referenceCost: 3, referenceValue: 0), 6.5, accuracy: 1e-12)
    }

    func testPointsBeyondTheReferenceAddNothing() {
        let points = [p(5, 10, 0), p(1, -1, 1), p(2, 2, 2)]
        // Only (2,2) lies inside the reference (4, 0): area (4−2)·(2−0) = 4.
        XCTAssertEqual(ParetoFront.hypervolume(of: points, referenceCost: 4, referenceValue: 0), 4, accuracy: 1e-12)
        XCTAssertEqual(ParetoFront.hypervolume(of: [], referenceCost: 4, referenceValue: 0), 0)
    }
}
