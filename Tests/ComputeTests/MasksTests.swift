import XCTest
@testable import Compute
import TestSupport

final class MasksTests: XCTestCase {
    // Two graphs of n = 3: the second has its last node padded.
    private let mask: [Float] = [1, 1, 1, 1, 1, 0]

    func testNodeMaskZeroesPaddedRows() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(70)
        let dim = 4
        let x = randomArray(6 * dim, &rng)
        let buf = try d.makeBuffer(x)
        try d.applyNodeMask(buf.all, nodeMask: d.makeBuffer(mask).all, graphs: 2, n: 3, dim: dim)
        XCTAssertEqual(try d.download(buf.all), x.indices.map { x[$0] * mask[$0 / dim] })
    }

    func testPairMaskZeroesPaddedPairsAndOptionallyTheDiagonal() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(71)
        let n = 3, dim = 2
        let x = randomArray(2 * n * n * dim, &rng)
        for zeroDiagonal in [false, true] {
            let buf = try d.makeBuffer(x)
            try d.applyPairMask(buf.all, nodeMask: d.makeBuffer(mask).all, graphs: 2, n: n, dim: dim, zeroDiagonal: zeroDiagonal)
            let y = try d.download(buf.all)
            for g in 0..<2 {
                for i in 0..<n {
                    for j in 0..<n {
                        let keep = mask[g * n + i] * mask[g * n + j] * (zeroDiagonal && i == j ? 0 : 1)
                        for c in 0..<dim {
                            let k = ((g * n + i) * n + j) * dim + c
                            XCTAssertEqual(y[k], x[k] * keep, "g \(g) i \(i) j \(j) zeroDiagonal \(zeroDiagonal)")
                        }
                    }
                }
            }
        }
    }

    func testBackwardIsTheSameCallOnTheGradient() throws {
        // L = Σ w·mask(x) is linear in x with gradient mask(w): check it by finite differences.
        let d = TestDevices.swift
        var rng = SeededRandom(72)
        let n = 3, dim = 2
        let x = randomArray(2 * n * n * dim, &rng), w = randomArray(x.count, &rng)
        let nodeMask = try d.makeBuffer(mask), buf = try d.makeBuffer(count: x.count)
        let grad = try d.makeBuffer(w)
        try d.applyPairMask(grad.all, nodeMask: nodeMask.all, graphs: 2, n: n, dim: dim, zeroDiagonal: true)
        let numeric = try numericGradient(x) { v in
            try d.upload(v, to: buf.all)
            try d.applyPairMask(buf.all, nodeMask: nodeMask.all, graphs: 2, n: n, dim: dim, zeroDiagonal: true)
            return dot(try d.download(buf.all), w)
        }
        assertGradientsClose(try d.download(grad.all), numeric, "pair mask")
    }

    func testOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        var rng = SeededRandom(73)
        let graphs = 5, n = 8, dim = 64
        let nodeMask = (0..<(graphs * n)).map { Float(($0 % n) < 5 + $0 / n % 4 ? 1 : 0) }
        let nodes = randomArray(graphs * n * 256, &rng), pairs = randomArray(graphs * n * n * dim, &rng)
        func run(_ d: Device) throws -> [Float] {
            let m = try d.makeBuffer([0] + nodeMask), xn = try d.makeBuffer(nodes), xp = try d.makeBuffer(pairs + pairs)
            let maskView = m.view(1, nodeMask.count)
            try d.applyNodeMask(xn.all, nodeMask: maskView, graphs: graphs, n: n, dim: 256)
            try d.applyPairMask(xp.view(0, pairs.count), nodeMask: maskView, graphs: graphs, n: n, dim: dim, zeroDiagonal: false)
            try d.applyPairMask(xp.view(pairs.count, pairs.count), nodeMask: maskView, graphs: graphs, n: n, dim: dim, zeroDiagonal: true)
            return try d.download(xn.all) + d.download(xp.all)
        }
        let err = maxAbsDiff(try run(cl), try run(TestDevices.swift))
        print("parity masks: max abs err", err)
        XCTAssertEqual(err, 0, "one multiply by an exact 0/1 factor per value: bit-exact")
    }

    func testBadSizesAreClearErrors() throws {
        let d = TestDevices.swift
        let x = try d.makeBuffer(count: 72), m = try d.makeBuffer(count: 5)
        XCTAssertThrowsError(try d.applyNodeMask(x.all, nodeMask: m.all, graphs: 2, n: 3, dim: 4)) { e in
            XCTAssertTrue("\(e)".contains("applyNodeMask: invalid size: nodeMask holds 5 floats, needs 6"), "\(e)")
        }
        XCTAssertThrowsError(try d.applyPairMask(x.all, nodeMask: m.all, graphs: 2, n: 3, dim: 5, zeroDiagonal: true)) { e in
            XCTAssertTrue("\(e)".contains("applyPairMask: invalid size: x holds 72 floats, needs 90"), "\(e)")
        }
    }
}
