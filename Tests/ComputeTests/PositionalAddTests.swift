import XCTest
@testable import Compute

final class PositionalAddTests: XCTestCase {
    func testAddsTheTableToEveryGraph() throws {
        let d = TestDevices.swift
        var rng = SeededRandom(50)
        let graphs = 3, positions = 4, dim = 5
        let x = randomArray(graphs * positions * dim, &rng), table = randomArray(positions * dim, &rng)
        let buf = try d.makeBuffer(x)
        try d.addPerPosition(buf.all, table: d.makeBuffer(table).all, graphs: graphs, positions: positions, dim: dim)
        let expected = x.indices.map { x[$0] + table[$0 % (positions * dim)] }
        XCTAssertEqual(try d.download(buf.all), expected)
    }

    func testOpenCLMatchesSwift() throws {
        let cl = try requireOpenCL()
        for (graphs, positions, dim) in [(7, 8, 256), (3, 5, 9)] {
            var rng = SeededRandom(UInt64(51 + dim))
            let x = randomArray(graphs * positions * dim, &rng), table = randomArray(positions * dim + 1, &rng)
            func run(_ d: Device) throws -> [Float] {
                let buf = try d.makeBuffer([1] + x), t = try d.makeBuffer(table)
                try d.addPerPosition(buf.view(1, x.count), table: t.view(1, positions * dim), graphs: graphs, positions: positions, dim: dim)
                return try d.download(buf.all)
            }
            let err = maxAbsDiff(try run(cl), try run(TestDevices.swift))
            print("parity addPerPosition G \(graphs) P \(positions) C \(dim): max abs err", err)
            XCTAssertEqual(err, 0, "one float add per value: bit-exact")
        }
    }

    func testBadSizesAreClearErrors() throws {
        let d = TestDevices.swift
        let x = try d.makeBuffer(count: 40), table = try d.makeBuffer(count: 19)
        XCTAssertThrowsError(try d.addPerPosition(x.all, table: table.all, graphs: 2, positions: 4, dim: 5)) { e in
            XCTAssertTrue("\(e)".contains("addPerPosition: invalid size: table holds 19 floats, needs 20"), "\(e)")
        }
    }
}
