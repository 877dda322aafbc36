import XCTest
@testable import Compute
import TestSupport

final class ElementwiseTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.elementwise) }

    func testReluGradientMatchesFiniteDifferences() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(1)
        let x = randomArray(64, &rng), w = randomArray(64, &rng)
        let inp = try d.makeBuffer(x), out = try d.makeBuffer(count: 64), dinp = try d.makeBuffer(count: 64)
        try d.reluForward(out: out.all, inp: inp.all)
        try d.reluBackward(dinp: dinp.all, dout: try d.makeBuffer(w).all, out: out.all)
        let numeric = try numericGradient(x, h: 1e-3) { xs in
            try d.upload(xs, to: inp.all); try d.reluForward(out: out.all, inp: inp.all)
            return dot(try d.download(out.all), w)
        }
        assertGradientsClose(try d.download(dinp.all), numeric, "relu")
    }

    func testSizeMismatchIsAClearError() throws {
        let d = TestDevices.swift
        let a = try d.makeBuffer(count: 8), b = try d.makeBuffer(count: 4)
        XCTAssertThrowsError(try d.add(out: a.all, a.all, b.all)) { e in
            XCTAssertTrue("\(e)".contains("add: invalid size"), "\(e)")
        }
    }
}
