import XCTest
@testable import Compute

// The CPU path: the Swift ops with the system BLAS's matrix products, checked against the pure-Swift
// twin (which stays the reference and the fallback). Skips where no BLAS is installed.
final class BLASTests: XCTestCase {
    func requireBLAS() throws -> Device {
        guard let d = Device(blasSettings: Settings()) else {
            throw XCTSkip("no BLAS found (tools/setup.sh installs OpenBLAS): the CPU path's tests did not run")
        }
        return d
    }

    func testEveryOpCaseMatchesTheTwin() throws {
        let device = try requireBLAS()
        for result in try OpCase.all.map({ try $0.check(on: device) }) {
            XCTAssertTrue(result.passed, "\(result.name): max abs error \(result.maxAbsError) > \(result.tolerance)")
        }
    }

    /// The three layouts of the linear layer's products, with a bias, without, and accumulating,
    /// against PackedGEMM; an operand with neither stride 1 is refused and C left alone.
    func testEveryLayoutMatchesTheTwinsGEMM() throws {
        let blas = try XCTUnwrap(try requireBLAS().blas)
        let m = 37, n = 29, k = 41
        var rng = SeededRandom(5)
        let a = randomArray(m * k, &rng), b = randomArray(k * n, &rng), bias = randomArray(n, &rng), c0 = randomArray(m * n, &rng)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in bias.withUnsafeBufferPointer { biasp in
            // (a's strides, b's strides): plain, A transposed, B transposed, both.
            for (sa, sb) in [((k, 1), (n, 1)), ((1, m), (n, 1)), ((k, 1), (1, k)), ((1, m), (1, k))] {
                let am = StridedMatrix(base: ap.baseAddress!, rowStride: sa.0, colStride: sa.1)
                let bm = StridedMatrix(base: bp.baseAddress!, rowStride: sb.0, colStride: sb.1)
                for (withBias, accumulate) in [(true, false), (false, false), (false, true)] {
                    var got = c0, want = c0
                    let used = got.withUnsafeMutableBufferPointer { cp in
                        blas.multiply(m: m, n: n, k: k, a: am, b: bm, c: cp.baseAddress!, ldc: n,
                                      bias: withBias ? biasp.baseAddress! : nil, accumulate: accumulate)
                    }
                    want.withUnsafeMutableBufferPointer { cp in
                        PackedGEMM.multiply(m: m, n: n, k: k, a: am, b: bm, c: cp.baseAddress!, ldc: n,
                                            bias: withBias ? biasp.baseAddress! : nil, accumulate: accumulate)
                    }
                    XCTAssertTrue(used)
                    XCTAssertLessThanOrEqual(maxAbsDiff(got, want), 1e-5, "strides \(sa) \(sb), bias \(withBias), accumulate \(accumulate)")
                }
            }
            var c = c0
            let odd = StridedMatrix(base: ap.baseAddress!, rowStride: 2, colStride: 3)
            let used = c.withUnsafeMutableBufferPointer { cp in
                blas.multiply(m: 4, n: 4, k: 4, a: odd, b: odd, c: cp.baseAddress!, ldc: n, bias: nil, accumulate: false)
            }
            XCTAssertFalse(used)
            XCTAssertEqual(c, c0)
        } } }
    }

    func testOffLeavesThePureSwiftBackend() throws {
        _ = try requireBLAS()
        var settings = Settings()
        settings.blas = "off"
        XCTAssertNil(Device(blasSettings: settings))
        settings.blas = "libnothing-such.so"
        XCTAssertNil(Device(blasSettings: settings))
        XCTAssertEqual(try DeviceSelection.choose(request: "cpu", settings: Settings(environment: ["NASDIFF_BLAS": "off"])).path, .swift)
        XCTAssertEqual(try DeviceSelection.choose(request: "cpu", settings: Settings()).path, .cpu)
        XCTAssertEqual(try DeviceSelection.choose(request: "swift", settings: Settings()).path, .swift)
    }
}
