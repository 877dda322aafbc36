import XCTest
@testable import Compute

// The fused y update's values are checked against its twin by the selftest case (SelfTestTests) and,
// in the whole model, against the separate layers (GraphTransformerTests). Here: when it applies.
final class YUpdateTests: XCTestCase {
    func testFusedOnlyOnGPUsWhoseLocalMemoryHoldsTheFeedForward() throws {
        XCTAssertFalse(Device().fusesYUpdate(dy: 64, ffY: 2048, pooled: 2048), "the Swift backend keeps the separate layers")
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found") }
        XCTAssertFalse(try Device(openCL: info).fusesYUpdate(dy: 64, ffY: 2048, pooled: 2048), "CPU-shaped kernels keep the layers")
        let gpuShaped = try Device(openCL: info.treatedAsGPU())
        XCTAssertTrue(gpuShaped.fusesYUpdate(dy: 64, ffY: 2048, pooled: 2048))
        let tooWide = info.localMemoryBytes / 4 / 4 + 1   // ffY floats of 4 graphs alone overflow local memory
        XCTAssertFalse(gpuShaped.fusesYUpdate(dy: 64, ffY: tooWide, pooled: 2048))
        let d = gpuShaped, dy = 4, g = 2, ff = tooWide
        func linear(_ i: Int, _ o: Int) throws -> (weight: View, bias: View) { (try d.makeBuffer(count: o * i).all, try d.makeBuffer(count: o).all) }
        func norm() throws -> (gamma: View, beta: View) { (try d.makeBuffer(count: dy).all, try d.makeBuffer(count: dy).all) }
        let w = YUpdateWeights(yy: try linear(dy, dy), xToY: try linear(dy, dy), eToY: try linear(dy, dy), out1: try linear(dy, dy),
                               out2: try linear(dy, dy), norm1: try norm(), ff1: try linear(dy, ff), ff2: try linear(ff, dy), norm2: try norm())
        let v = try d.makeBuffer(count: g * dy).all
        XCTAssertThrowsError(try d.yUpdateForward(out: v, y: v, poolX: v, poolE: v, weights: w, graphs: g, dy: dy,
                                                  pooledX: dy, pooledE: dy, ffY: ff)) { error in
            XCTAssertTrue(String(describing: error).contains("local memory"), "\(error)")
        }
    }
}
