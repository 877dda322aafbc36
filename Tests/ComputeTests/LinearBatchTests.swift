import XCTest
@testable import Compute

// Batched linear layers (Ops/LinearBatch.swift): the GPU kernels, run on PoCL as one launch per
// product, against the Swift twin running the members one by one.
final class LinearBatchTests: XCTestCase {
    func testCasesMatchTheTwinOnPoCL() throws { try assertCasesMatchTheTwin(OpCase.linearBatch) }

    /// Members laid out as the model lays them out: weights and biases interleaved at one stride in a
    /// parameter buffer, outputs (and, unless `sharedInput`, inputs) consecutive in an activation buffer.
    struct Layout {
        let members: Int, rows: Int, inDim: Int, outDim: Int, sharedInput: Bool
        var weightStride: Int { outDim * inDim + outDim + 3 }      // + 3: strides need no alignment
        var params: Int { members * weightStride }
        var inputs: Int { (sharedInput ? 1 : members) * rows * inDim }
        var outputs: Int { members * rows * outDim }

        func forward(_ p: Buffer, _ x: Buffer, _ out: Buffer) -> [LinearForwardOperands] {
            (0..<members).map { z in
                LinearForwardOperands(out: out.view(z * rows * outDim, rows * outDim), inp: input(x, z),
                                      weight: p.view(z * weightStride, outDim * inDim),
                                      bias: p.view(z * weightStride + outDim * inDim, outDim))
            }
        }

        func backward(_ p: Buffer, _ grads: Buffer, _ x: Buffer, _ dx: Buffer, _ dout: Buffer) -> [LinearBackwardOperands] {
            (0..<members).map { z in
                LinearBackwardOperands(dinp: input(dx, z), dweight: grads.view(z * weightStride, outDim * inDim),
                                       dbias: grads.view(z * weightStride + outDim * inDim, outDim),
                                       dout: dout.view(z * rows * outDim, rows * outDim), inp: input(x, z),
                                       weight: p.view(z * weightStride, outDim * inDim))
            }
        }

        func input(_ b: Buffer, _ z: Int) -> View { b.view(sharedInput ? 0 : z * rows * inDim, rows * inDim) }
    }

    /// Forward (masked, rectified) and backward results of `l` on `d`, downloaded:
    /// [out, dinp, parameter gradients].
    func run(_ l: Layout, on d: Device, shape: LinearKernelShape?, seed: UInt64) throws -> [[Float]] {
        var rng = SeededRandom(seed)
        let p = try d.makeBuffer(randomArray(l.params, &rng)), grads = try d.makeBuffer(randomArray(l.params, &rng))
        let x = try d.makeBuffer(randomArray(l.inputs, &rng)), dx = try d.makeBuffer(randomArray(l.inputs, &rng))
        let out = try d.makeBuffer(count: l.outputs), dout = try d.makeBuffer(randomArray(l.outputs, &rng))
        // A node mask over graphs of 3 nodes whose last node is padding (rows are whole graphs).
        let nodeMask = try d.makeBuffer((0..<l.rows).map { $0 % 3 == 2 ? 0 : 1 })
        try d.linearForward(l.forward(p, x, out), rows: l.rows, inDim: l.inDim, outDim: l.outDim,
                            mask: RowMask(nodeMask: nodeMask.all, n: 3, pairs: false), relu: true, shape: shape)
        try d.linearBackward(l.backward(p, grads, x, dx, dout), rows: l.rows, inDim: l.inDim, outDim: l.outDim, shape: shape)
        return try [out, dx, grads].map { try d.download($0.all) }
    }

    static let layouts = [
        Layout(members: 3, rows: 69, inDim: 33, outDim: 65, sharedInput: true),      // q, k, v
        Layout(members: 2, rows: 129, inDim: 17, outDim: 40, sharedInput: false),
        Layout(members: 4, rows: 6, inDim: 9, outDim: 130, sharedInput: true),       // the FiLM maps of y
    ]

    func testGPUKernelsMatchTheSwiftTwinMemberByMember() throws {
        let cl = try requireOpenCL()
        for (i, l) in Self.layouts.enumerated() {
            let want = try run(l, on: TestDevices.swift, shape: nil, seed: UInt64(40 + i))
            for tile in [64, 128] {
                let got = try run(l, on: cl, shape: .gpu(tile: tile, slices: nil), seed: UInt64(40 + i))
                for (part, name) in ["out", "dinp", "parameter gradients"].enumerated() {
                    let err = maxAbsDiff(got[part], want[part])
                    XCTAssertLessThanOrEqual(err, 2e-5, "\(name), \(l), tile \(tile): max abs err \(err)")
                }
            }
        }
    }

    func testUniformMembersTakeOneLaunchPerProduct() throws {
        let cl = try requireOpenCL(), l = Self.layouts[0]
        let p = try cl.makeBuffer(count: l.params), x = try cl.makeBuffer(count: l.inputs), out = try cl.makeBuffer(count: l.outputs)
        let before = cl.cl!.launches
        try cl.linearForward(l.forward(p, x, out), rows: l.rows, inDim: l.inDim, outDim: l.outDim,
                             mask: nil, relu: false, shape: .gpu(tile: 64, slices: 1))
        XCTAssertEqual(cl.cl!.launches - before, 1, "three members of one shape at fixed strides: one GEMM launch")

        // Members out of order have no fixed stride: they still run, one launch each.
        let shuffled = l.forward(p, x, out)
        let before2 = cl.cl!.launches
        try cl.linearForward([shuffled[1], shuffled[0], shuffled[2]], rows: l.rows, inDim: l.inDim, outDim: l.outDim,
                             mask: nil, relu: false, shape: .gpu(tile: 64, slices: 1))
        XCTAssertEqual(cl.cl!.launches - before2, 3)
    }

    func testIrregularMembersFallBackToOneByOne() throws {
        // Outputs that overlap must keep the sequential meaning (the later member wins).
        let cl = try requireOpenCL(), d = TestDevices.swift
        var results: [[Float]] = []
        for dev in [d, cl] {
            let x = try dev.makeBuffer([1, 2]), w = try dev.makeBuffer([1, 10, 100, 1000]), out = try dev.makeBuffer(count: 3)
            let members = [LinearForwardOperands(out: out.view(0, 2), inp: x.all, weight: w.view(0, 2), bias: nil),
                           LinearForwardOperands(out: out.view(1, 2), inp: x.all, weight: w.view(2, 2), bias: nil)]
            try dev.linearForward(members, rows: 1, inDim: 1, outDim: 2, mask: nil, relu: false,
                                  shape: dev === cl ? .gpu(tile: 64, slices: 1) : nil)
            results.append(try dev.download(out.all))
        }
        XCTAssertEqual(results[0], [1, 100, 1000])
        XCTAssertEqual(results[1], results[0])
    }

    func testStrideDetection() throws {
        let d = TestDevices.swift
        let a = try d.makeBuffer(count: 100), b = try d.makeBuffer(count: 100)
        XCTAssertEqual(GEMMBatch.stride([a.view(0, 10), a.view(20, 10), a.view(40, 10)], apart: 10), 20)
        XCTAssertEqual(GEMMBatch.stride([a.view(5, 10), a.view(5, 10)], apart: 0), 0, "a shared operand")
        XCTAssertNil(GEMMBatch.stride([a.view(5, 10), a.view(5, 10)], apart: 10), "outputs may not coincide")
        XCTAssertNil(GEMMBatch.stride([a.view(0, 10), a.view(20, 10), a.view(30, 10)], apart: 0), "uneven")
        XCTAssertNil(GEMMBatch.stride([a.view(0, 10), b.view(20, 10)], apart: 0), "two buffers")
        XCTAssertNil(GEMMBatch.stride([a.view(20, 10), a.view(0, 10)], apart: 0), "descending")
        XCTAssertNil(GEMMBatch.stride([a.view(0, 10), nil], apart: 0), "bias on one member only")
        XCTAssertEqual(GEMMBatch.stride([nil, nil], apart: 0), 0)
    }

    func testBatchedCallsCheckEveryMember() throws {
        let cl = try requireOpenCL()
        // Outputs at a stride that fits two members of 2×3, each view one float short.
        let x = try cl.makeBuffer(count: 8), w = try cl.makeBuffer(count: 12), out = try cl.makeBuffer(count: 12)
        let members = [LinearForwardOperands(out: out.view(0, 5), inp: x.view(0, 4), weight: w.view(0, 6), bias: nil),
                       LinearForwardOperands(out: out.view(6, 5), inp: x.view(4, 4), weight: w.view(6, 6), bias: nil)]
        XCTAssertThrowsError(try cl.linearForward(members, rows: 2, inDim: 2, outDim: 3, mask: nil, relu: false,
                                                  shape: .gpu(tile: 64, slices: 1))) { e in
            XCTAssertTrue("\(e)".contains("out (rows·outDim)"), "\(e)")
        }
    }
}
