import XCTest
@testable import Compute
import TestSupport

final class ElementwiseTests: XCTestCase {
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

    func testElementwiseOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        var rng = SeededRandom(2)
        let n = 1000
        let a = randomArray(n, &rng), b = randomArray(n, &rng)
        func run(_ d: Device) throws -> [Float] {
            let x = try d.makeBuffer(a), y = try d.makeBuffer(b), out = try d.makeBuffer(count: n), g = try d.makeBuffer(b)
            try d.reluForward(out: out.all, inp: x.all)
            try d.reluBackward(dinp: g.all, dout: y.all, out: out.all)
            try d.add(out: out.all, out.all, x.all)
            try d.axpby(out.all, g.all, a: 3, b: -2)
            try d.fill(x.view(10, 5), 7)
            return try d.download(out.all) + d.download(g.all) + d.download(x.all)
        }
        let err = maxAbsDiff(try run(TestDevices.swift), try run(cl))
        // Elementwise ops do the same float operations in the same order: expect bit-equality
        // except where the device contracts a*x + b*y into one fma (≤ 1 ulp of values ~ 5).
        XCTAssertLessThanOrEqual(err, 1e-6, "max abs error \(err)")
    }

    func testSizeMismatchIsAClearError() throws {
        let d = TestDevices.swift
        let a = try d.makeBuffer(count: 8), b = try d.makeBuffer(count: 4)
        XCTAssertThrowsError(try d.add(out: a.all, a.all, b.all)) { e in
            XCTAssertTrue("\(e)".contains("add: invalid size"), "\(e)")
        }
    }
}
