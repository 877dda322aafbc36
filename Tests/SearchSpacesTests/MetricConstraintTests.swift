import XCTest
import SearchSpaces

final class MetricConstraintTests: XCTestCase {
    func testParsing() throws {
        XCTAssertEqual(try MetricConstraint(parsing: "lat-pixel3<=5"), MetricConstraint(metric: "lat-pixel3", comparison: .lessOrEqual, bound: 5))
        XCTAssertEqual(try MetricConstraint(parsing: "params-cifar10 < 0.5"), MetricConstraint(metric: "params-cifar10", comparison: .less, bound: 0.5))
        XCTAssertEqual(try MetricConstraint(parsing: "cifar10-valid>=90"), MetricConstraint(metric: "cifar10-valid", comparison: .greaterOrEqual, bound: 90))
        XCTAssertEqual(try MetricConstraint(parsing: "room-layout>-2"), MetricConstraint(metric: "room-layout", comparison: .greater, bound: -2))
        XCTAssertEqual(try MetricConstraint(parsing: "lat-pixel3<=5").description, "lat-pixel3<=5")
    }

    func testBadTextSaysWhatToWrite() {
        for text in ["lat-pixel3=5", "<=5", "lat-pixel3<=fast", "lat-pixel3"] {
            XCTAssertThrowsError(try MetricConstraint(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains("METRIC<=NUMBER"), "\(error)")
            }
        }
    }

    func testSatisfaction() {
        let c = MetricConstraint(metric: "m", comparison: .lessOrEqual, bound: 5)
        XCTAssertTrue(c.isSatisfied(by: 5))
        XCTAssertFalse(c.isSatisfied(by: 5.0001))
        XCTAssertFalse(MetricConstraint(metric: "m", comparison: .less, bound: 5).isSatisfied(by: 5))
        XCTAssertTrue(MetricConstraint(metric: "m", comparison: .greater, bound: 5).isSatisfied(by: 6))
    }
}
