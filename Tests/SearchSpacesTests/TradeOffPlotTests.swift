import XCTest
@testable import SearchSpaces
#if canImport(FoundationXML)
import FoundationXML
#endif

final class TradeOffPlotTests: XCTestCase {
    func testSVGIsWellFormedAndDrawsEverything() throws {
        let report = try Evaluation.run(space: NB201Space(), table: TestData.nb201, lines: EvaluationTests.lines, trainingSet: nil,
                                        conditions: EvaluationConditions(metric: "cifar10-valid", constraints: [try MetricConstraint(parsing: "lat-pixel3<=7.5")]))
        let svg = try TradeOffPlot.svg(report: report, table: TestData.nb201)
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "SVG is not well-formed XML: \(String(describing: parser.parserError))")
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        // One dot per table row, one circle per queried sample (5), and both axis labels.
        XCTAssertEqual(svg.components(separatedBy: "h0").count - 1, 15_625)
        XCTAssertEqual(svg.components(separatedBy: "<circle cx").count - 1, 5 + 2)  // + 2 legend markers
        XCTAssertTrue(svg.contains("lat-pixel3 (ms)"))
        XCTAssertTrue(svg.contains("cifar10-valid (%)"))
        XCTAssertTrue(svg.contains("lat-pixel3&lt;=7.5"))
    }

    /// The value axis spans the samples, not the table's worst cells (NB201 has cells at 10 %): every
    /// sample lies inside it, and its low end is within a few points of the worst sample.
    func testAxesFitTheSamples() throws {
        let report = try Evaluation.run(space: NB201Space(), table: TestData.nb201, lines: EvaluationTests.lines, trainingSet: nil,
                                        conditions: EvaluationConditions(metric: "cifar10-valid", paretoCost: "lat-pixel3"))
        let pareto = try XCTUnwrap(report.pareto)
        let (x, y) = TradeOffPlot.axisRanges(pareto, constraints: [], xs: try TestData.nb201.column("lat-pixel3"),
                                             ys: try TestData.nb201.column("cifar10-valid"))
        let values = pareto.samples.map(\.value), costs = pareto.samples.map(\.cost)
        XCTAssertTrue(values.allSatisfy(y.contains) && costs.allSatisfy(x.contains))
        XCTAssertGreaterThan(y.lowerBound, values.min()! - 0.1 * (y.upperBound - values.min()!))
        XCTAssertLessThan(try TestData.nb201.column("cifar10-valid").min()!, y.lowerBound, "the table's worst cell lies below the axis")
    }

    func testNoTradeOffAxisIsAnError() throws {
        let report = try Evaluation.run(space: NB201Space(), table: TestData.nb201, lines: EvaluationTests.lines, trainingSet: nil, conditions: .init())
        XCTAssertThrowsError(try TradeOffPlot.svg(report: report, table: TestData.nb201))
    }
}
