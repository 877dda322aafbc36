import XCTest
@testable import Compute
import TestSupport

final class ConcatTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.concat) }

    func testForwardLayoutAndGradients() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(40)
        let graphs = 2, positions = 3, dimA = 4, dimB = 2, width = dimA + dimB
        let xa = randomArray(graphs * positions * dimA, &rng), xb = randomArray(graphs * dimB, &rng)
        let w = randomArray(graphs * positions * width, &rng)
        let a = try d.makeBuffer(xa), b = try d.makeBuffer(xb), out = try d.makeBuffer(count: w.count)
        func forward() throws -> [Float] {
            try d.concatBroadcastForward(out: out.all, a: a.all, b: b.all, graphs: graphs, positions: positions, dimA: dimA, dimB: dimB)
            return try d.download(out.all)
        }
        let y = try forward()
        for g in 0..<graphs {
            for p in 0..<positions {
                let row = Array(y[((g * positions + p) * width)..<((g * positions + p + 1) * width)])
                let expected = Array(xa[((g * positions + p) * dimA)..<((g * positions + p + 1) * dimA)]) + Array(xb[(g * dimB)..<((g + 1) * dimB)])
                XCTAssertEqual(row, expected, "row g \(g) p \(p)")
            }
        }
        let da = try d.makeBuffer(count: xa.count), db = try d.makeBuffer(count: xb.count)
        try d.concatBroadcastBackward(da: da.all, db: db.all, dout: d.makeBuffer(w).all, graphs: graphs, positions: positions,
                                      dimA: dimA, dimB: dimB)
        let numA = try numericGradient(xa) { v in try d.upload(v, to: a.all); return dot(try forward(), w) }
        try d.upload(xa, to: a.all)
        let numB = try numericGradient(xb) { v in try d.upload(v, to: b.all); return dot(try forward(), w) }
        assertGradientsClose(try d.download(da.all), numA, "concat da")
        assertGradientsClose(try d.download(db.all), numB, "concat db")
    }

    func testOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        // Nodes: 8 × (256 + 256); pairs: 64 × (64 + 64); odd sizes. Each case runs with both
        // gradients, then with only one of them (nil for the other).
        for (graphs, positions, dimA, dimB) in [(5, 8, 256, 256), (4, 64, 64, 64), (3, 7, 5, 3)] {
            var rng = SeededRandom(UInt64(41 + positions + dimA))
            let width = dimA + dimB
            let xa = randomArray(graphs * positions * dimA, &rng), xb = randomArray(graphs * dimB, &rng)
            let g = randomArray(graphs * positions * width, &rng)
            let startA = randomArray(xa.count, &rng), startB = randomArray(xb.count, &rng)
            func run(_ d: Device, wantA: Bool, wantB: Bool) throws -> [Float] {
                let a = try d.makeBuffer([9] + xa), b = try d.makeBuffer(xb), out = try d.makeBuffer(count: g.count + 1)
                let da = try d.makeBuffer(startA), db = try d.makeBuffer([7, 7] + startB)
                let aView = a.view(1, xa.count), outView = out.view(1, g.count), dbView = db.view(2, xb.count)
                try d.concatBroadcastForward(out: outView, a: aView, b: b.all, graphs: graphs, positions: positions, dimA: dimA, dimB: dimB)
                try d.concatBroadcastBackward(da: wantA ? da.all : nil, db: wantB ? dbView : nil, dout: d.makeBuffer(g).all,
                                              graphs: graphs, positions: positions, dimA: dimA, dimB: dimB)
                return try d.download(outView) + d.download(da.all) + d.download(db.all)
            }
            for (wantA, wantB) in [(true, true), (true, false), (false, true)] {
                let err = maxAbsDiff(try run(cl, wantA: wantA, wantB: wantB), try run(TestDevices.swift, wantA: wantA, wantB: wantB))
                print("parity concatBroadcast G \(graphs) P \(positions) A \(dimA) B \(dimB) da \(wantA) db \(wantB): max abs err", err)
                // Copies are exact; db sums ≤ 64 terms of |·| ≤ 1 onto a start value, the twin term
                // by term into the gradient, the kernel as one total: ≲ 64·ε·8 ≈ 3e-5.
                XCTAssertLessThanOrEqual(err, 5e-5)
            }
        }
    }

    func testBadSizesAreClearErrors() throws {
        let d = TestDevices.swift
        let buf = try d.makeBuffer(count: 20)
        let big = try d.makeBuffer(count: 40)
        XCTAssertThrowsError(try d.concatBroadcastForward(out: buf.all, a: big.all, b: big.all, graphs: 2, positions: 3, dimA: 3, dimB: 2)) { e in
            XCTAssertTrue("\(e)".contains("concatBroadcastForward: invalid size: out holds 20 floats, needs 30"), "\(e)")
        }
        XCTAssertThrowsError(try d.concatBroadcastBackward(da: nil, db: buf.view(0, 3), dout: buf.all, graphs: 2, positions: 2,
                                                           dimA: 3, dimB: 2)) { e in
            XCTAssertTrue("\(e)".contains("concatBroadcastBackward: invalid size: db holds 3 floats, needs 4"), "\(e)")
        }
        XCTAssertThrowsError(try d.concatBroadcastForward(out: buf.all, a: buf.all, b: buf.all, graphs: 2, positions: 2, dimA: 3, dimB: 0)) { e in
            XCTAssertTrue("\(e)".contains("concatBroadcastForward: invalid size: dimB = 0"), "\(e)")
        }
    }

    /// The input assembly in one pass against the ops it replaces — concat, then the positional table
    /// and the node mask; symmetrise + pair mask, then concat — to the bit on the twin, and the kernel
    /// against the twin. b has one row per two graphs (a sampler's passes), so the broadcast is checked
    /// across graphs too.
    func testFusedInputAssemblyMatchesTheSeparateOps() throws {
        let devices = [TestDevices.swift] + ((try? requireOpenCL()).map { [$0] } ?? [])
        let graphs = 4, n = 3, dimA = 5, dimB = 2, width = dimA + dimB, nodes = graphs * n, pairs = nodes * n
        var rng = SeededRandom(45)
        let xa = randomArray(pairs * dimA, &rng), xb = randomArray(2 * dimB, &rng), table = randomArray(n * width, &rng)
        let maskValues: [Float] = [1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1]
        var results: [[Float]] = []
        for d in devices {
            let a = try d.makeBuffer(xa), b = try d.makeBuffer(xb), t = try d.makeBuffer(table), mask = try d.makeBuffer(maskValues)
            let first = Array(xb[0..<dimB]), second = Array(xb[dimB...])
            let perGraphB = try d.makeBuffer(first + first + second + second)
            // Nodes (a's first nodes·dimA values as node features).
            let fusedX = try d.makeBuffer(count: nodes * width), apartX = try d.makeBuffer(count: nodes * width)
            try d.concatBroadcastForward(out: fusedX.all, a: a.all, b: b.all, graphs: 2, positions: 2 * n, dimA: dimA, dimB: dimB,
                                         positional: (t.all, n), mask: RowMask(nodeMask: mask.all, n: n, pairs: false))
            try d.concatBroadcastForward(out: apartX.all, a: a.all, b: perGraphB.all, graphs: graphs, positions: n, dimA: dimA, dimB: dimB)
            for r in 0..<nodes { try d.add(out: apartX.view(r * width, width), apartX.view(r * width, width), t.view((r % n) * width, width)) }
            try d.applyNodeMask(apartX.all, nodeMask: mask.all, graphs: graphs, n: n, dim: width)
            // Pairs.
            let fusedE = try d.makeBuffer(count: pairs * width), apartE = try d.makeBuffer(count: pairs * width)
            try d.concatBroadcastForward(out: fusedE.all, a: a.all, b: b.all, graphs: 2, positions: 2 * n * n, dimA: dimA, dimB: dimB,
                                         symmetricPairs: n, mask: RowMask(nodeMask: mask.all, n: n, pairs: true))
            try d.concatBroadcastForward(out: apartE.all, a: a.all, b: perGraphB.all, graphs: graphs, positions: n * n, dimA: dimA, dimB: dimB)
            try d.symmetrizePairs(out: apartE.all, inp: apartE.all, graphs: graphs, n: n, dim: width, nodeMask: mask.all)
            let name = d.cl == nil ? "Swift" : "OpenCL"
            XCTAssertEqual(try d.download(fusedX.all), try d.download(apartX.all), "\(name): nodes")
            XCTAssertEqual(try d.download(fusedE.all), try d.download(apartE.all), "\(name): pairs")
            results.append(try d.download(fusedX.all) + d.download(fusedE.all))
            let shared = try d.makeBuffer(count: pairs * width + 10)
            XCTAssertThrowsError(try d.concatBroadcastForward(out: shared.view(0, pairs * width), a: shared.view(10, pairs * dimA), b: b.all,
                                                              graphs: 2, positions: 2 * n * n, dimA: dimA, dimB: dimB,
                                                              symmetricPairs: n), "\(name): out over a") { e in
                XCTAssertTrue("\(e)".contains("out overlaps a"), "\(e)")
            }
            XCTAssertThrowsError(try d.concatBroadcastForward(out: fusedE.all, a: a.all, b: b.all, graphs: 2, positions: 2 * n * n, dimA: dimA, dimB: dimB,
                                                              symmetricPairs: 5), "\(name): pairs of another n")
            XCTAssertThrowsError(try d.concatBroadcastForward(out: fusedE.all, a: a.all, b: b.all, graphs: 2, positions: 2 * n * n, dimA: dimA, dimB: dimB,
                                                              symmetricPairs: n, mask: RowMask(nodeMask: d.makeBuffer(count: pairs).all, n: n, pairs: false)),
                                 "\(name): a node mask on symmetrised pairs")
        }
        if results.count == 2 { XCTAssertEqual(results[0], results[1], "kernel against twin") }
    }

    /// repeatRows (the concat kernel with nothing in front) against the twin and against the definition.
    func testRepeatRows() throws {
        let cl = try requireOpenCL()
        var rng = SeededRandom(44)
        let rows = 3, times = 5, dim = 7
        let inp = randomArray(rows * dim, &rng)
        let want = (0..<(rows * times)).flatMap { r in inp[((r / times) * dim)..<((r / times + 1) * dim)] }
        for d in [TestDevices.swift, cl] {
            let src = try d.makeBuffer([1] + inp), out = try d.makeBuffer([Float](repeating: -1, count: want.count + 2))
            try d.repeatRows(out: out.view(1, want.count), inp: src.view(1, inp.count), rows: rows, times: times, dim: dim)
            XCTAssertEqual(try d.download(out.all), [-1] + want + [-1], d.cl == nil ? "Swift" : "OpenCL")
            XCTAssertThrowsError(try d.repeatRows(out: out.view(0, want.count - 1), inp: src.all, rows: rows, times: times, dim: dim))
        }
    }
}
