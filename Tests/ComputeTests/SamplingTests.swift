import XCTest
@testable import Compute

final class SamplingTests: XCTestCase {
    private func sample(_ d: Device, _ probs: [Float], rows: Int, classes: Int, seed: UInt64, stream: UInt64) throws -> [Float] {
        let p = try d.makeBuffer(probs), out = try d.makeBuffer(count: rows)
        try d.sampleCategorical(out: out.all, probs: p.all, rows: rows, classes: classes, seed: seed, stream: stream)
        return try d.download(out.all)
    }

    func testFrequenciesMatchTheWeights() throws {
        // 100k rows with the same unnormalised weights; class 2 has weight 0 and must never appear.
        let rows = 100_000
        let weights: [Float] = [0.25, 0.5, 0, 0.75, 1.0]            // probabilities 0.1, 0.2, 0, 0.3, 0.4
        let classes = weights.count
        let got = try sample(TestDevices.swift, (0..<rows).flatMap { _ in weights }, rows: rows, classes: classes,
                             seed: 0xC0FFEE, stream: 3)
        var counts = [Int](repeating: 0, count: classes)
        for x in got { counts[Int(x)] += 1 }
        XCTAssertEqual(counts[2], 0, "zero-weight class drawn")
        let total = weights.reduce(0, +)
        var chiSquare = 0.0
        for c in 0..<classes where weights[c] > 0 {
            let expected = Double(rows) * Double(weights[c] / total)
            chiSquare += pow(Double(counts[c]) - expected, 2) / expected
        }
        print("sampleCategorical frequencies \(counts), chi-square \(chiSquare) (3 dof)")
        // 3 degrees of freedom: P(χ² > 16.27) = 0.001 for a correct sampler.
        XCTAssertLessThan(chiSquare, 16.27)
    }

    func testSameSeedSameClassesOtherStreamOtherClasses() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(51)
        let rows = 2000, classes = 4
        let p = randomArray(rows * classes, &rng, in: 0...1)
        let a = try sample(d, p, rows: rows, classes: classes, seed: 9, stream: 0)
        XCTAssertEqual(a, try sample(d, p, rows: rows, classes: classes, seed: 9, stream: 0))
        let b = try sample(d, p, rows: rows, classes: classes, seed: 9, stream: 1)
        let c = try sample(d, p, rows: rows, classes: classes, seed: 10, stream: 0)
        XCTAssertGreaterThan(zip(a, b).filter { $0 != $1 }.count, rows / 4)
        XCTAssertGreaterThan(zip(a, c).filter { $0 != $1 }.count, rows / 4)
    }

    func testRowWithoutMassGivesMinusOneAndOneHotGivesZeroRow() throws {
        let d = TestDevices.swift
        let got = try sample(d, [0, 0, 0, 2, 0, 0], rows: 2, classes: 3, seed: 1, stream: 0)
        XCTAssertEqual(got, [-1, 0])
        let out = try d.makeBuffer(count: 6)
        try d.oneHot(out: out.all, classes: try d.makeBuffer(got).all, rows: 2, classCount: 3)
        XCTAssertEqual(try d.download(out.all), [0, 0, 0, 1, 0, 0])
    }

    func testSamplingOpenCLEqualsSwiftExactly() throws {
        let cl = try requireOpenCL()
        var rng = SeededRandom(52)
        let rows = 100_000
        for classes in [2, 5, 11] {
            // Unnormalised weights with exact zeros and some all-zero rows, to hit every branch.
            var p = randomArray(rows * classes, &rng, in: -0.5...3).map { max($0, 0) }
            for r in stride(from: 17, to: rows, by: 1013) { for c in 0..<classes { p[r * classes + c] = 0 } }
            let seed: UInt64 = 0xDEAD_BEEF_0BAD_F00D, stream: UInt64 = 0x1_0000_0002
            let s = try sample(TestDevices.swift, p, rows: rows, classes: classes, seed: seed, stream: stream)
            let c = try sample(cl, p, rows: rows, classes: classes, seed: seed, stream: stream)
            let mismatches = zip(s, c).filter { $0 != $1 }.count
            print("parity sampleCategorical (\(rows)×\(classes)): \(mismatches) mismatching rows, max abs err", maxAbsDiff(s, c))
            // Integer Philox, exact u and a fixed fp32 summation order with contraction off:
            // the classes must be identical, not merely close.
            XCTAssertEqual(mismatches, 0)
        }
    }

    func testMirrorPairClasses() throws {
        let d = TestDevices.swift
        let graphs = 2, n = 4
        let x = (0..<graphs * n * n).map { Float($0 % 3) + 1 }
        let buf = try d.makeBuffer(x)
        try d.mirrorPairClasses(buf.all, graphs: graphs, n: n)
        let got = try d.download(buf.all)
        for g in 0..<graphs {
            for i in 0..<n {
                for j in 0..<n {
                    let at = (g * n + i) * n + j
                    let want: Float = i == j ? 0 : i < j ? x[at] : x[(g * n + j) * n + i]
                    XCTAssertEqual(got[at], want, "g \(g) i \(i) j \(j)")
                }
            }
        }
    }

    func testOneHot() throws {
        let d = TestDevices.swift
        let out = try d.makeBuffer([Float](repeating: 7, count: 4 * 3))   // overwritten everywhere
        try d.oneHot(out: out.all, classes: try d.makeBuffer([2, -1, 0, 1]).all, rows: 4, classCount: 3)
        XCTAssertEqual(try d.download(out.all), [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0])
        // One block per guidance pass.
        let copies = try d.makeBuffer([Float](repeating: 7, count: 3 * 2 * 2))
        try d.oneHot(out: copies.all, classes: try d.makeBuffer([1, 0]).all, rows: 2, classCount: 2, copies: 3)
        XCTAssertEqual(try d.download(copies.all), [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0])
    }

    func testMirrorAndOneHotOpenCLMatchSwift() throws {
        let cl = try requireOpenCL()
        var rng = SeededRandom(53)
        let graphs = 37, n = 11, classCount = 5
        let x = (0..<graphs * n * n).map { _ in Float(Int.random(in: -1..<classCount, using: &rng)) }
        func run(_ d: Device) throws -> [Float] {
            let buf = try d.makeBuffer([0, 0] + x), out = try d.makeBuffer(count: x.count * classCount)
            let view = buf.view(2, x.count)
            try d.mirrorPairClasses(view, graphs: graphs, n: n)
            try d.oneHot(out: out.all, classes: view, rows: x.count, classCount: classCount)
            let copies = try d.makeBuffer(count: 3 * 50 * classCount)
            try d.oneHot(out: copies.all, classes: buf.view(7, 50), rows: 50, classCount: classCount, copies: 3)
            return try d.download(buf.all) + d.download(out.all) + d.download(copies.all)
        }
        let err = maxAbsDiff(try run(TestDevices.swift), try run(cl))
        print("parity mirrorPairClasses+oneHot: max abs err", err)
        XCTAssertEqual(err, 0)   // pure copies and comparisons: exact
    }

    func testSamplingSizeMismatchesAreClearErrors() throws {
        let d = TestDevices.swift
        let a = try d.makeBuffer(count: 10), b = try d.makeBuffer(count: 2)
        XCTAssertThrowsError(try d.sampleCategorical(out: b.all, probs: a.all, rows: 3, classes: 4, seed: 0, stream: 0)) { e in
            XCTAssertTrue("\(e)".contains("sampleCategorical: invalid size"), "\(e)")
        }
        XCTAssertThrowsError(try d.sampleCategorical(out: b.all, probs: try d.makeBuffer(count: 66).all, rows: 2, classes: 33,
                                                     seed: 0, stream: 0)) { e in
            XCTAssertTrue("\(e)".contains("classes = 33; at most 32"), "\(e)")
        }
        XCTAssertThrowsError(try d.mirrorPairClasses(a.all, graphs: 1, n: 4)) { e in
            XCTAssertTrue("\(e)".contains("mirrorPairClasses: invalid size"), "\(e)")
        }
        XCTAssertThrowsError(try d.oneHot(out: a.all, classes: b.all, rows: 3, classCount: 2)) { e in
            XCTAssertTrue("\(e)".contains("oneHot: invalid size"), "\(e)")
        }
    }
}

/// Exact predictor guidance's two helpers: the single-row variants' one-hots and the scatter of their
/// scores, against what they must produce (written out here) and on PoCL against the twin.
final class GuidanceHelperTests: XCTestCase {
    func variants(_ d: Device) throws -> [Float] {
        // Two graphs of 3 nodes, 4 classes; variants: (graph 1, row 0 → 3), (graph 0, row 2 → 2), (graph 1, no row).
        let classes: [Float] = [0, 1, 2, 3, 3, 1]
        let out = try d.makeBuffer(count: 3 * 3 * 4)
        try d.oneHotVariants(out: out.all, classes: try d.makeBuffer(classes).all, graph: try d.makeBuffer([1, 0, 1]).all,
                             row: try d.makeBuffer([0, 2, -1]).all, cls: try d.makeBuffer([3, 2, 0]).all, variants: 3, n: 3, classCount: 4)
        return try d.download(out.all)
    }

    func testOneHotVariantsChangeOneRow() throws {
        let want: [[Int]] = [[3, 3, 1], [0, 1, 2], [3, 3, 1]]   // classes of each variant's rows
        let expected = want.flatMap { $0.flatMap { c in (0..<4).map { Float($0 == c ? 1 : 0) } } }
        XCTAssertEqual(try variants(TestDevices.swift), expected)
        if let cl = TestDevices.openCL { XCTAssertEqual(try variants(cl), expected) }
    }

    func testScatterWritesAndAccumulates() throws {
        for d in [TestDevices.swift] + (TestDevices.openCL.map { [$0] } ?? []) {
            let out = try d.makeBuffer([Float](repeating: 1, count: 6))
            let values = try d.makeBuffer([2, 3, 4]), index = try d.makeBuffer([5, 0, 2])
            try d.scatter(out: out.all, values: values.all, index: index.all, count: 3, scale: 0.5, accumulate: false)
            XCTAssertEqual(try d.download(out.all), [1.5, 1, 2, 1, 1, 1])
            try d.scatter(out: out.all, values: values.all, index: index.all, count: 3, scale: -1, accumulate: true)
            XCTAssertEqual(try d.download(out.all), [-1.5, 1, -2, 1, 1, -1])
        }
    }
}
