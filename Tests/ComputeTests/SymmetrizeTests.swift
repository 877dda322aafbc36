import XCTest
@testable import Compute
import TestSupport

final class SymmetrizeTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.symmetrize) }

    func testOutputIsExactlySymmetricAndInPlaceMatchesOutOfPlace() throws {
        for d in [TestDevices.swift] + (TestDevices.openCL.map { [$0] } ?? []) {
            var rng = SeededRandom(60)
            let graphs = 3, n = 5, dim = 4
            let x = randomArray(graphs * n * n * dim, &rng)
            let inp = try d.makeBuffer(x), out = try d.makeBuffer(count: x.count)
            try d.symmetrizePairs(out: out.all, inp: inp.all, graphs: graphs, n: n, dim: dim)
            try d.symmetrizePairs(out: inp.all, inp: inp.all, graphs: graphs, n: n, dim: dim)
            let y = try d.download(out.all)
            XCTAssertEqual(try d.download(inp.all), y, "in place on \(d)")
            for g in 0..<graphs {
                for i in 0..<n {
                    for j in 0..<n {
                        for c in 0..<dim {
                            let ij = ((g * n + i) * n + j) * dim + c, ji = ((g * n + j) * n + i) * dim + c
                            XCTAssertEqual(y[ij], y[ji], "symmetric on \(d)")
                            XCTAssertEqual(y[ij], (x[ij] + x[ji]) / 2, "definition on \(d)")
                        }
                    }
                }
            }
        }
    }

    /// The model's one pass (residual, symmetrisation, mask) against the separate ops it replaced, on
    /// every backend: add, pair mask, symmetrise (the output logits) and symmetrise, pair mask (the edge
    /// input). Masks are 0/1, so the values agree exactly.
    func testResidualAndMaskInOnePassEqualTheSeparateOps() throws {
        let devices = [TestDevices.swift] + (TestDevices.openCL.map { [$0] } ?? [])
        for d in devices {
            var rng = SeededRandom(64)
            let graphs = 3, n = 5, dim = 3, count = graphs * n * n * dim
            let x = randomArray(count, &rng), r = randomArray(count, &rng)
            let mask = try d.makeBuffer((0..<graphs * n).map { Float($0 % n < [5, 3, 1][$0 / n] ? 1 : 0) })
            let inp = try d.makeBuffer(x), res = try d.makeBuffer(r), out = try d.makeBuffer(count: count), ref = try d.makeBuffer(count: count)
            for zeroDiagonal in [false, true] {
                try d.symmetrizePairs(out: out.all, inp: inp.all, graphs: graphs, n: n, dim: dim,
                                      residual: res.all, nodeMask: mask.all, zeroDiagonal: zeroDiagonal)
                try d.add(out: ref.all, inp.all, res.all)
                try d.applyPairMask(ref.all, nodeMask: mask.all, graphs: graphs, n: n, dim: dim, zeroDiagonal: zeroDiagonal)
                try d.symmetrizePairs(out: ref.all, inp: ref.all, graphs: graphs, n: n, dim: dim)
                XCTAssertEqual(try d.download(out.all), try d.download(ref.all), "residual + mask, zeroDiagonal \(zeroDiagonal), \(d)")
            }
            try d.symmetrizePairs(out: out.all, inp: inp.all, graphs: graphs, n: n, dim: dim, nodeMask: mask.all)
            try d.symmetrizePairs(out: ref.all, inp: inp.all, graphs: graphs, n: n, dim: dim)
            try d.applyPairMask(ref.all, nodeMask: mask.all, graphs: graphs, n: n, dim: dim, zeroDiagonal: false)
            let got = try d.download(out.all)
            XCTAssertEqual(got, try d.download(ref.all), "mask only, \(d)")
            XCTAssertEqual(got.filter { $0 == 0 }.count, (16 + 24) * dim, "the padded pairs of graphs with 3 and 1 real nodes are zero, \(d)")
        }
    }

    func testGradientMatchesFiniteDifferences() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(61)
        let graphs = 2, n = 3, dim = 2
        let x = randomArray(graphs * n * n * dim, &rng), w = randomArray(x.count, &rng)
        let inp = try d.makeBuffer(x), out = try d.makeBuffer(count: x.count), dinp = try d.makeBuffer(count: x.count)
        try d.symmetrizePairsBackward(dinp: dinp.all, dout: d.makeBuffer(w).all, graphs: graphs, n: n, dim: dim)
        let numeric = try numericGradient(x) { v in
            try d.upload(v, to: inp.all)
            try d.symmetrizePairs(out: out.all, inp: inp.all, graphs: graphs, n: n, dim: dim)
            return dot(try d.download(out.all), w)
        }
        assertGradientsClose(try d.download(dinp.all), numeric, "symmetrize dinp")
    }

    func testOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        for (graphs, n, dim) in [(6, 8, 128), (2, 7, 5)] {
            var rng = SeededRandom(UInt64(62 + dim))
            let count = graphs * n * n * dim
            let x = randomArray(count, &rng), g = randomArray(count, &rng), start = randomArray(count, &rng)
            func run(_ d: Device) throws -> [Float] {
                let store = try d.makeBuffer([5] + x + g + start)
                let inp = store.view(1, count), dout = store.view(1 + count, count), dinp = store.view(1 + 2 * count, count)
                try d.symmetrizePairsBackward(dinp: dinp, dout: dout, graphs: graphs, n: n, dim: dim)
                try d.symmetrizePairs(out: inp, inp: inp, graphs: graphs, n: n, dim: dim)
                return try d.download(store.all)
            }
            let err = maxAbsDiff(try run(cl), try run(TestDevices.swift))
            print("parity symmetrizePairs G \(graphs) n \(n) C \(dim): max abs err", err)
            // (a + b)·0.5 and d += (a + b)·0.5 are the same float operations on both backends,
            // and ·0.5 is exact: bit-equal unless the device fuses the add into an fma (≤ 1 ulp).
            XCTAssertLessThanOrEqual(err, 1e-6)
        }
    }

    func testOverlapsAndBadSizesAreClearErrors() throws {
        let d = TestDevices.swift
        let buf = try d.makeBuffer(count: 40)
        XCTAssertThrowsError(try d.symmetrizePairs(out: buf.view(1, 36), inp: buf.view(0, 36), graphs: 1, n: 3, dim: 4)) { e in
            XCTAssertTrue("\(e)".contains("symmetrizePairs: invalid size: out overlaps inp"), "\(e)")
        }
        XCTAssertThrowsError(try d.symmetrizePairsBackward(dinp: buf.view(0, 36), dout: buf.view(0, 36), graphs: 1, n: 3, dim: 4)) { e in
            XCTAssertTrue("\(e)".contains("symmetrizePairsBackward: invalid size: dinp overlaps dout"), "\(e)")
        }
        XCTAssertThrowsError(try d.symmetrizePairs(out: buf.view(0, 36), inp: buf.view(0, 36), graphs: 1, n: 3, dim: 4,
                                                   residual: buf.view(2, 36))) { e in
            XCTAssertTrue("\(e)".contains("symmetrizePairs: invalid size: out overlaps residual"), "\(e)")
        }
        XCTAssertThrowsError(try d.symmetrizePairs(out: buf.view(0, 36), inp: buf.view(0, 36), graphs: 1, n: 3, dim: 4,
                                                   nodeMask: buf.view(38, 2))) { e in
            XCTAssertTrue("\(e)".contains("symmetrizePairs: invalid size: nodeMask holds 2 floats, needs 3"), "\(e)")
        }
        XCTAssertThrowsError(try d.symmetrizePairs(out: buf.all, inp: buf.all, graphs: 1, n: 4, dim: 4)) { e in
            XCTAssertTrue("\(e)".contains("symmetrizePairs: invalid size: inp holds 40 floats, needs 64"), "\(e)")
        }
    }
}
