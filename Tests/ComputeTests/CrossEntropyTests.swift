import XCTest
@testable import Compute
import TestSupport

final class CrossEntropyTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.crossEntropy) }

    private let rows = 7, classes = 4
    // Rows 2 and 5 are ignored (padding / diagonal), as the DiNAS loss masks them.
    private let targets: [Float] = [0, 3, -1, 2, 1, -1, 3]

    func testLossMatchesDoubleReferenceAndIgnoredRowsAreZero() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(21)
        let x = randomArray(rows * classes, &rng, in: -3...3)
        let logits = try d.makeBuffer(x), t = try d.makeBuffer(targets)
        let losses = try d.makeBuffer([Float](repeating: 9, count: rows))   // overwritten, also when ignored
        try d.crossEntropy(losses: losses.all, dlogits: nil, logits: logits.all, targets: t.all, rows: rows,
                           classes: classes, gradScale: 1)
        let got = try d.download(losses.all)
        for r in 0..<rows {
            if targets[r] < 0 { XCTAssertEqual(got[r], 0, "ignored row \(r)"); continue }
            let row = (0..<classes).map { Double(x[r * classes + $0]) }
            let want = log(row.reduce(0) { $0 + exp($1) }) - row[Int(targets[r])]
            XCTAssertEqual(Double(got[r]), want, accuracy: 1e-5, "row \(r)")
        }
    }

    func testGradientMatchesFiniteDifferencesAndAccumulates() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(22)
        let x = randomArray(rows * classes, &rng, in: -2...2)
        let before = randomArray(rows * classes, &rng)           // dlogits is added to, not overwritten
        let gradScale: Float = 1.0 / 5                            // mean over the 5 real rows
        let logits = try d.makeBuffer(x), t = try d.makeBuffer(targets)
        let losses = try d.makeBuffer(count: rows), dlogits = try d.makeBuffer(before)
        try d.crossEntropy(losses: losses.all, dlogits: dlogits.all, logits: logits.all, targets: t.all, rows: rows,
                           classes: classes, gradScale: gradScale)
        let analytic = zip(try d.download(dlogits.all), before).map { $0 - $1 }
        // L = gradScale · Σ_r losses[r]: the scalar whose gradient the op adds.
        let numeric = try numericGradient(x, h: 1e-2) { xs in
            try d.upload(xs, to: logits.all)
            try d.crossEntropy(losses: losses.all, dlogits: nil, logits: logits.all, targets: t.all, rows: rows,
                               classes: classes, gradScale: gradScale)
            return Double(gradScale) * (try d.download(losses.all)).reduce(0.0) { $0 + Double($1) }
        }
        assertGradientsClose(analytic, numeric, "crossEntropy")
        for r in 0..<rows where targets[r] < 0 {
            for c in 0..<classes { XCTAssertEqual(analytic[r * classes + c], 0, "ignored row \(r) got a gradient") }
        }
    }

    func testTargetOutOfRangeGivesNaNLoss() throws {
        let d = TestDevices.swift
        let logits = try d.makeBuffer([0, 0, 0, 0]), t = try d.makeBuffer([2, 1]), losses = try d.makeBuffer(count: 2)
        try d.crossEntropy(losses: losses.all, dlogits: nil, logits: logits.all, targets: t.all, rows: 2, classes: 2, gradScale: 1)
        let got = try d.download(losses.all)
        XCTAssertTrue(got[0].isNaN)
        XCTAssertEqual(got[1], Float(log(2.0)), accuracy: 1e-6)
    }

    func testCrossEntropyOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        var rng = SeededRandom(23)
        for (rows, classes) in [(5000, 2), (700, 7), (33, 40)] {
            let x = randomArray(rows * classes, &rng, in: -6...6)
            let t: [Float] = (0..<rows).map { _ in Float(Int.random(in: -1..<classes, using: &rng)) }
            let before = randomArray(rows * classes, &rng)
            func run(_ d: Device) throws -> [Float] {
                let logits = try d.makeBuffer(x), targets = try d.makeBuffer(t)
                let losses = try d.makeBuffer(count: rows), lossesNoGrad = try d.makeBuffer(count: rows)
                let dlogits = try d.makeBuffer(before)
                try d.crossEntropy(losses: losses.all, dlogits: dlogits.all, logits: logits.all, targets: targets.all,
                                   rows: rows, classes: classes, gradScale: 0.37)
                try d.crossEntropy(losses: lossesNoGrad.all, dlogits: nil, logits: logits.all, targets: targets.all,
                                   rows: rows, classes: classes, gradScale: 0.37)
                return try d.download(losses.all) + d.download(lossesNoGrad.all) + d.download(dlogits.all)
            }
            let err = maxAbsDiff(try run(TestDevices.swift), try run(cl))
            print("parity crossEntropy (\(rows)×\(classes)): max abs err", err)
            // Losses reach ~12 here (ulp ~1e-6) and go through exp/log, each a few ulp on the device;
            // gradients are ≤ 1: 1e-5 bounds both.
            XCTAssertLessThanOrEqual(err, 1e-5)
        }
    }

    func testCrossEntropySizeMismatchIsAClearError() throws {
        let d = TestDevices.swift
        let logits = try d.makeBuffer(count: 8), t = try d.makeBuffer(count: 4), losses = try d.makeBuffer(count: 4)
        let dlogits = try d.makeBuffer(count: 6)
        XCTAssertThrowsError(try d.crossEntropy(losses: losses.all, dlogits: dlogits.all, logits: logits.all, targets: t.all,
                                                rows: 4, classes: 2, gradScale: 1)) { e in
            XCTAssertTrue("\(e)".contains("crossEntropy: invalid size"), "\(e)")
            XCTAssertTrue("\(e)".contains("dlogits"), "\(e)")
        }
    }
}
