import XCTest
@testable import Compute

// The tensor-core GEMMs (Kernels/linear_tc.cl) run only on NVIDIA GPUs, but how they stage operands
// into local memory (Kernels/tc_staging.cl) is plain OpenCL: here it runs on PoCL against the layout
// written out in Swift, for both operand layouts, tiles past the matrix's edge, and the 16-byte path
// as well as the element-by-element one (unaligned leading dimension or start).
final class TensorCoreStagingTests: XCTestCase {
    private let bk = 32, bx = 64

    func testStagedSlabHasTheLayoutTheFragmentsRead() throws {
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found") }
        let device = try Device(openCL: info)
        let cl = try XCTUnwrap(device.cl)
        let slab = max(bx * (bk + 4), bk * (bx + 8))
        // (rows x, depth k, slab origin x0, k0, leading offset of the matrix in its buffer)
        let cases = [(100, 64, 0, 0, 0), (100, 64, 64, 32, 0), (37, 19, 0, 16, 0), (70, 40, 64, 32, 0),
                     (128, 48, 64, 32, 0), (128, 48, 64, 0, 1)]
        for alongK in [true, false] {
            for (xs, ks, x0, k0, offset) in cases {
                let ld = alongK ? ks : xs
                let values = (0..<(offset + xs * ks)).map { Float($0 % 1009) + 0.25 }
                let src = try device.makeBuffer(values), out = try device.makeBuffer(count: slab)
                try cl.launch(.tcStageSlab,
                              [.view(out.view(0, slab)), .view(src.view(offset, xs * ks)), .int(ld), .int(x0), .int(xs),
                               .int(k0), .int(ks), .int(alongK ? 1 : 0)],
                              global: [128], local: [128])
                let staged = try device.download(out.view(0, slab))
                var expected = [Float](repeating: -1, count: slab)
                for x in 0..<bx {
                    for k in 0..<bk {
                        let gx = x0 + x, gk = k0 + k
                        let inside = gx < xs && gk < ks
                        let value = inside ? values[offset + (alongK ? gx * ld + gk : gk * ld + gx)] : 0
                        expected[alongK ? x * (bk + 4) + k : k * (bx + 8) + x] = value
                    }
                }
                let wrong = zip(staged, expected).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
                XCTAssertTrue(wrong.isEmpty, "along k \(alongK), \(xs)×\(ks) at (\(x0), \(k0)), offset \(offset): "
                              + "\(wrong.count) wrong, first at \(wrong.prefix(4))")
            }
        }
    }
}
