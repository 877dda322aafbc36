import XCTest
@testable import Compute

final class SoftmaxTests: XCTestCase {
    /// softmax in Double: the reference for both backends.
    private func reference(_ x: [Float], rows: Int, classes: Int) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        for r in 0..<rows {
            let row = (0..<classes).map { Double(x[r * classes + $0]) }
            let top = row.max()!
            let total = row.reduce(0) { $0 + exp($1 - top) }
            for c in 0..<classes { out[r * classes + c] = exp(row[c] - top) / total }
        }
        return out
    }

    func testSoftmaxMatchesDoubleReferenceAndIsStable() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(11)
        let rows = 9, classes = 5
        var x = randomArray(rows * classes, &rng, in: -4...4)
        for c in 0..<classes { x[c] += 1000 }    // row 0: exp(1000) would overflow without the max shift
        let logits = try d.makeBuffer(x), out = try d.makeBuffer(count: rows * classes)
        try d.softmaxRows(out: out.all, logits: logits.all, rows: rows, classes: classes)
        let got = try d.download(out.all), want = reference(x, rows: rows, classes: classes)
        for i in got.indices { XCTAssertEqual(Double(got[i]), want[i], accuracy: 1e-6, "element \(i)") }
        for r in 0..<rows {
            XCTAssertEqual(got[r * classes..<(r + 1) * classes].reduce(0, +), 1, accuracy: 1e-6, "row \(r) sum")
        }
    }

    func testSoftmaxInPlace() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(12)
        let x = randomArray(4 * 3, &rng, in: -3...3)
        let a = try d.makeBuffer(x), b = try d.makeBuffer(count: 12)
        try d.softmaxRows(out: b.all, logits: a.all, rows: 4, classes: 3)
        try d.softmaxRows(out: a.all, logits: a.all, rows: 4, classes: 3)
        XCTAssertEqual(try d.download(a.all), try d.download(b.all))
    }

    func testSoftmaxOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        var rng = SeededRandom(13)
        for (rows, classes) in [(4096, 2), (1000, 7), (37, 64)] {
            let x = randomArray(rows * classes + 3, &rng, in: -8...8)
            func run(_ d: Device) throws -> [Float] {
                // OpenCL buffers start uninitialised: zero `out` so its 5 skipped floats compare equal.
                let buf = try d.makeBuffer(x), out = try d.makeBuffer([Float](repeating: 0, count: rows * classes + 5))
                // Offset views exercise the *_off kernel parameters.
                try d.softmaxRows(out: out.view(5, rows * classes), logits: buf.view(3, rows * classes), rows: rows, classes: classes)
                return try d.download(out.all)
            }
            let err = maxAbsDiff(try run(TestDevices.swift), try run(cl))
            print("parity softmaxRows (\(rows)×\(classes)): max abs err", err)
            // Probabilities ≤ 1; device exp is within a few ulp of expf, and the row sum adds
            // ≤ classes roundings: 2e-6 covers 64 classes with margin.
            XCTAssertLessThanOrEqual(err, 2e-6)
        }
    }

    func testSoftmaxSizeMismatchIsAClearError() throws {
        let d = TestDevices.swift
        let a = try d.makeBuffer(count: 10)
        XCTAssertThrowsError(try d.softmaxRows(out: a.all, logits: a.all, rows: 4, classes: 3)) { e in
            XCTAssertTrue("\(e)".contains("softmaxRows: invalid size"), "\(e)")
            XCTAssertTrue("\(e)".contains("logits"), "\(e)")
        }
        XCTAssertThrowsError(try d.softmaxRows(out: a.all, logits: a.all, rows: 2, classes: 0)) { e in
            XCTAssertTrue("\(e)".contains("classes = 0"), "\(e)")
        }
    }
}
