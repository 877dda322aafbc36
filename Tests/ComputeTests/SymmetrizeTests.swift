import XCTest
@testable import Compute
import TestSupport

final class SymmetrizeTests: XCTestCase {
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
        XCTAssertThrowsError(try d.symmetrizePairs(out: buf.all, inp: buf.all, graphs: 1, n: 4, dim: 4)) { e in
            XCTAssertTrue("\(e)".contains("symmetrizePairs: invalid size: inp holds 40 floats, needs 64"), "\(e)")
        }
    }
}
