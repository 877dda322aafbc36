import XCTest
import SearchSpaces

/// A hand-written sample file; every expected number below is counted by hand from the comments,
/// and the table values are copied from Data/nb201/*.csv.
final class EvaluationTests: XCTestCase {
    // cifar10-valid, lat-pixel3 (ms), arch_index — read off the CSVs by hand.
    static let a = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"  // 91.5533, 35.0333, 9930
    static let b = "|nor_conv_1x1~0|+|none~0|none~1|+|nor_conv_3x3~0|skip_connect~1|none~2|"  // 89.026, 7.76157, 5458
    static let b2 = "|nor_conv_3x3~0|+|none~0|none~1|+|nor_conv_1x1~0|skip_connect~1|none~2|" // 89.218, 7.18736, 9173 ≡ b (sum commutes)
    static let c = "|skip_connect~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|"          // 88.412, 6.69677, 6336
    static let c2 = "|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"                // 88.638, 7.47477, 6960 ≡ c (skip = identity)

    static func adjacencyJSON(dropping drop: (Int, Int)? = nil) -> String {
        let edges: Set<[Int]> = [[0, 1], [0, 2], [0, 4], [1, 3], [1, 5], [2, 6], [3, 6], [4, 7], [5, 7], [6, 7]]
        let rows = (0..<8).map { i in
            "[" + (0..<8).map { j in edges.contains([i, j]) && !(drop.map { $0 == (i, j) } ?? false) ? "1" : "0" }.joined(separator: ",") + "]"
        }
        return "[" + rows.joined(separator: ",") + "]"
    }

    static let lines: [String] = [
        #"{"arch": "\#(a)"}"#,                                                    // 1 valid A
        #"{"arch": "\#(b)", "note": "extra fields are ignored"}"#,                // 2 valid B
        #"{"arch": "\#(b2)"}"#,                                                   // 3 valid B' ≡ B
        #"{"arch": "|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|"}"#,     // 4 invalid: unparsable
        #"{"arch": "|none~0|+"#,                                                  // 5 MALFORMED: broken JSON
        #"{"arch": "\#(a)"}"#,                                                    // 6 valid A again
        #"{"ops": [1,2,2,2,2,2,2,1], "adjacency": \#(adjacencyJSON())}"#,         // 7 invalid: output-not-last
        #"{"ops": [1,2,3,4,5,6,2,0], "adjacency": \#(adjacencyJSON(dropping: (0, 4)))}"#,  // 8 invalid: adjacency-not-fixed
        "",                                                                        // 9 blank: skipped
        #"{"arch": "\#(c)"}"#,                                                    // 10 valid C
        #"{"ops": [1,6,6,6,3,6,6,0], "adjacency": \#(adjacencyJSON())}"#,         // 11 valid C' ≡ C, as a graph (= c2)
        #"{"foo": 1}"#,                                                           // 12 MALFORMED: no "arch"
        #"["not", "an", "object"]"#,                                              // 13 MALFORMED: not an object
    ]

    func evaluate(_ conditions: EvaluationConditions, training: [String]? = nil) throws -> EvaluationReport {
        let space = NB201Space()
        let trainingSet = training.map { Evaluation.trainingIdentities(space: space, standards: $0).identities }
        return try Evaluation.run(space: space, table: TestData.nb201, lines: Self.lines, trainingSet: trainingSet, conditions: conditions)
    }

    func testValidityUniquenessNovelty() throws {
        let r = try evaluate(EvaluationConditions(metric: "cifar10-valid"), training: [Self.a, Self.c2])
        XCTAssertEqual(r.malformedLines.map(\.line), [5, 12, 13])
        // Samples: lines 1,2,3,4,6,7,8,10,11 = 9; invalid: 4, 7, 8.
        XCTAssertEqual(r.validity.samples, 9)
        XCTAssertEqual(r.validity.valid, 6)
        XCTAssertEqual(r.validity.fraction, 6.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(r.validity.invalidByReason, ["unparsable": 1, "output-not-last": 1, "adjacency-not-fixed": 1])
        // Valid: A, B, B', A, C, C' → identities {A, B, C}; strings {A, B, B', C, C'}.
        XCTAssertEqual(r.uniqueness.valid, 6)
        XCTAssertEqual(r.uniqueness.unique, 3)
        XCTAssertEqual(r.uniqueness.fraction, 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.uniqueness.distinctStandards, 5)
        // Training set {A, C'≡C}: only B is novel.
        let novelty = try XCTUnwrap(r.novelty)
        XCTAssertEqual(novelty.unique, 3)
        XCTAssertEqual(novelty.novel, 1)
        XCTAssertEqual(novelty.fraction, 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(novelty.trainingSetSize, 2)
    }

    func testBestAndTopKWithinTheQueryBudget() throws {
        // Distinct queries in order: A, B, B', C, C' (line 6 repeats A and costs nothing).
        let all = try XCTUnwrap(try evaluate(EvaluationConditions(metric: "cifar10-valid", topK: 3)).queries)
        XCTAssertEqual(all.queried, 5)
        XCTAssertEqual(all.best?.key, "9930")
        XCTAssertEqual(all.best?.value, 91.5533)
        XCTAssertEqual(all.topK.map(\.key), ["9930", "9173", "5458"])
        XCTAssertEqual(all.tableBest.key, "6111")
        XCTAssertEqual(all.validNotInTable, 0)

        let firstTwo = try XCTUnwrap(try evaluate(EvaluationConditions(metric: "cifar10-valid", topK: 3, queries: 2)).queries)
        XCTAssertEqual(firstTwo.queried, 2)
        XCTAssertEqual(firstTwo.topK.map(\.key), ["9930", "5458"])

        // Lower-is-better metric: the best is the smallest latency, C at 6.69677 ms.
        let fastest = try XCTUnwrap(try evaluate(EvaluationConditions(metric: "lat-pixel3", topK: 1)).queries)
        XCTAssertEqual(fastest.best?.key, "6336")
    }

    func testFeasibilityAndPareto() throws {
        let r = try evaluate(EvaluationConditions(metric: "cifar10-valid", constraints: [try MetricConstraint(parsing: "lat-pixel3<=7.5")]))
        let f = try XCTUnwrap(r.feasibility)
        // ≤ 7.5 ms: B' 7.18736, C 6.69677, C' 7.47477 (not A 35.0, not B 7.76).
        XCTAssertEqual(f.queried, 5)
        XCTAssertEqual(f.feasible, 3)
        XCTAssertEqual(f.fraction, 0.6, accuracy: 1e-12)
        XCTAssertEqual(f.bestFeasible?.key, "9173")
        XCTAssertGreaterThan(f.tableFeasible, 3)

        // Front of (latency ↓, accuracy ↑): C (6.70, 88.41), B' (7.19, 89.22), A (35.03, 91.55);
        // C' is beaten by B' (slower, worse), B by B' too.
        let p = try XCTUnwrap(r.pareto)
        XCTAssertEqual(p.cost.name, "lat-pixel3")
        XCTAssertEqual(p.sampleFront.map(\.key), ["6336", "9173", "9930"])
        XCTAssertEqual(p.samples.count, 5)
        // Area by hand with the reported reference point (the table's worst latency and accuracy).
        let rc = p.referenceCost, rv = p.referenceValue
        let expected = (rc - 6.69677) * (88.412 - rv) + (rc - 7.18736) * (89.218 - 88.412) + (rc - 35.0333) * (91.5533 - 89.218)
        XCTAssertEqual(p.sampleHypervolume, expected, accuracy: 1e-6 * expected)
        XCTAssertEqual(rc, try TestData.nb201.column("lat-pixel3").max()!)
        XCTAssertEqual(rv, try TestData.nb201.column("cifar10-valid").min()!)
        XCTAssertGreaterThan(p.tableHypervolume, p.sampleHypervolume)
        XCTAssertEqual(p.hypervolumeRatio, p.sampleHypervolume / p.tableHypervolume, accuracy: 1e-12)
    }

    func testUnknownMetricIsAnErrorListingTheMetrics() {
        XCTAssertThrowsError(try evaluate(EvaluationConditions(metric: "accuracy"))) { error in
            XCTAssertTrue("\(error)".contains("cifar10-valid"), "\(error)")
        }
        XCTAssertThrowsError(try evaluate(EvaluationConditions(constraints: [MetricConstraint(metric: "lat-phone", comparison: .less, bound: 1)])))
    }

    func testWithoutATableOnlyGenerationMetrics() throws {
        let r = try Evaluation.run(space: NB201Space(), table: nil, lines: Self.lines, trainingSet: nil, conditions: .init())
        XCTAssertEqual(r.validity.valid, 6)
        XCTAssertNil(r.queries)
        XCTAssertNil(r.novelty)
    }

    func testReportRendersAsTextAndJSON() throws {
        let r = try evaluate(EvaluationConditions(metric: "cifar10-valid", topK: 3, constraints: [try MetricConstraint(parsing: "lat-pixel3<=7.5")]),
                             training: [Self.a])
        let text = r.renderText()
        XCTAssertTrue(text.contains("6/9"), text)
        XCTAssertTrue(text.contains("line 5"), text)
        XCTAssertTrue(text.contains("9930"), text)
        XCTAssertTrue(text.contains("lat-pixel3<=7.5"), text)
        let json = try r.jsonData()
        let back = try JSONDecoder().decode(EvaluationReport.self, from: json)
        XCTAssertEqual(back.uniqueness, r.uniqueness)
        XCTAssertEqual(back.validity, r.validity)
        XCTAssertEqual(back.queries?.topK, r.queries?.topK)
        XCTAssertEqual(back.malformedLines, r.malformedLines)
    }
}
