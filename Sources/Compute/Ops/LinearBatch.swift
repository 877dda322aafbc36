import Foundation

// Linear layers of one shape run together: q, k and v of one input, e_mul and e_add of the edges,
// the four FiLM maps of y. On a GPU each alone is a launch that may leave compute units idle (the
// per-graph products have 48 tiles for 132 SMs); when the members' views lie at equal strides in the
// same buffers — as the model's parameter layout and activation arena put them — they run as one
// launch whose third grid dimension picks the member. Otherwise, and on CPUs and the Swift twin,
// the members run one after another, which is also the definition the tests compare against.

/// One member of a batched linear forward: out = inp·weightᵀ + bias.
public struct LinearForwardOperands {
    public var out: View, inp: View, weight: View, bias: View?
    public init(out: View, inp: View, weight: View, bias: View?) {
        self.out = out; self.inp = inp; self.weight = weight; self.bias = bias
    }
}

/// One member of a batched linear backward (the arguments of `linearBackward`).
public struct LinearBackwardOperands {
    public var dinp: View?, dweight: View?, dbias: View?, dout: View, inp: View, weight: View
    public init(dinp: View?, dweight: View?, dbias: View?, dout: View, inp: View, weight: View) {
        self.dinp = dinp; self.dweight = dweight; self.dbias = dbias; self.dout = dout; self.inp = inp; self.weight = weight
    }
}

public extension Device {
    /// `linearForward` for each member, all with the same rows, widths, mask and ReLU.
    func linearForward(_ members: [LinearForwardOperands], rows: Int, inDim: Int, outDim: Int,
                       mask: RowMask? = nil, relu: Bool = false) throws {
        try linearForward(members, rows: rows, inDim: inDim, outDim: outDim, mask: mask, relu: relu, shape: nil)
    }

    /// `linearBackward` for each member, all with the same rows and widths. Members may share `dinp`
    /// (layers of one input): it then receives the sum of their input gradients.
    func linearBackward(_ members: [LinearBackwardOperands], rows: Int, inDim: Int, outDim: Int) throws {
        try linearBackward(members, rows: rows, inDim: inDim, outDim: outDim, shape: nil)
    }
}

/// `settings.batchedLinear` false runs batched members one by one everywhere, to measure what batching gains.
extension Device {
    func linearForward(_ members: [LinearForwardOperands], rows: Int, inDim: Int, outDim: Int,
                       mask: RowMask?, relu: Bool, shape: LinearKernelShape?) throws {
        func oneByOne() throws {
            for m in members {
                try linearForward(out: m.out, inp: m.inp, weight: m.weight, bias: m.bias,
                                  rows: rows, inDim: inDim, outDim: outDim, mask: mask, relu: relu, shape: shape)
            }
        }
        guard members.count > 1, settings.batchedLinear, let cl, case .gpu(let tile, let slices) = shape ?? (cl.info.isGPU ? .gpu(tile: nil, slices: nil) : .cpu),
              let c = GEMMBatch.stride(members.map(\.out), apart: rows * outDim),
              let a = GEMMBatch.stride(members.map(\.inp), apart: 0),
              let b = GEMMBatch.stride(members.map(\.weight), apart: 0),
              let bias = GEMMBatch.stride(members.map(\.bias), apart: 0) else { return try oneByOne() }
        for m in members {
            try checkLinearForward(out: m.out, inp: m.inp, weight: m.weight, bias: m.bias, rows: rows, inDim: inDim, outDim: outDim)
        }
        try mask?.check("linear", rows: rows)
        let first = members[0]
        try gemmOnGPU("nt", c: first.out, a: first.inp, b: first.weight, bias: first.bias, mask: mask, relu: relu,
                      accumulate: false, m: rows, n: outDim, k: inDim, tile: tile, slices: slices,
                      batch: GEMMBatch(count: members.count, c: c, a: a, b: b, bias: bias))
    }

    func linearBackward(_ members: [LinearBackwardOperands], rows: Int, inDim: Int, outDim: Int,
                        shape: LinearKernelShape?) throws {
        func oneByOne() throws {
            for m in members {
                try linearBackward(dinp: m.dinp, dweight: m.dweight, dbias: m.dbias, dout: m.dout, inp: m.inp, weight: m.weight,
                                   rows: rows, inDim: inDim, outDim: outDim, shape: shape)
            }
        }
        let dinps = members.compactMap(\.dinp), sharedDinp = dinps.count == members.count && GEMMBatch.stride(dinps, apart: 0) == 0
        let dweights = members.compactMap(\.dweight)
        guard members.count > 1, settings.batchedLinear, let cl, case .gpu(let tile, let slices) = shape ?? (cl.info.isGPU ? .gpu(tile: nil, slices: nil) : .cpu),
              dweights.isEmpty || (dweights.count == members.count && GEMMBatch.stride(dweights, apart: outDim * inDim) != nil),
              let dout = GEMMBatch.stride(members.map(\.dout), apart: 0),
              let inp = GEMMBatch.stride(members.map(\.inp), apart: 0),
              let w = GEMMBatch.stride(members.map(\.weight), apart: 0),
              dinps.isEmpty || sharedDinp || (dinps.count == members.count && GEMMBatch.stride(dinps, apart: rows * inDim) != nil)
        else { return try oneByOne() }
        for m in members {
            try checkLinearBackward(dinp: m.dinp, dweight: m.dweight, dbias: m.dbias, dout: m.dout, inp: m.inp, weight: m.weight,
                                    rows: rows, inDim: inDim, outDim: outDim)
        }
        let first = members[0]
        if let dinp = first.dinp {
            if sharedDinp {
                // Σ_z dout_z·W_z: the members' products go to scratch as the slices of a split K and
                // are folded into dinp in member order.
                let count = rows * inDim
                let partials = try LinearScratch.shared.view(on: self, count: members.count * count)
                try gemmOnGPU("nn", c: partials, a: first.dout, b: first.weight, bias: nil, mask: nil, relu: false,
                              accumulate: false, m: rows, n: inDim, k: outDim, tile: tile, slices: 1,
                              batch: GEMMBatch(count: members.count, c: count, a: dout, b: w, bias: 0))
                try cl.launch(.gemmSplitkReduce,
                              [.view(dinp), .view(partials), .view(dinp), .int(0), .int(1), .view(dinp), .int(0), .int(1),
                               .int(count), .int(members.count), .int(inDim)],
                              global: [count], local: nil)
            } else {
                try gemmOnGPU("nn", c: dinp, a: first.dout, b: first.weight, bias: nil, mask: nil, relu: false,
                              accumulate: true, m: rows, n: inDim, k: outDim, tile: tile, slices: slices,
                              batch: GEMMBatch(count: members.count, c: GEMMBatch.stride(dinps, apart: rows * inDim)!,
                                               a: dout, b: w, bias: 0))
            }
        }
        if let dweight = first.dweight {
            try gemmOnGPU("tn", c: dweight, a: first.dout, b: first.inp, bias: nil, mask: nil, relu: false,
                          accumulate: true, m: outDim, n: inDim, k: rows, tile: tile, slices: slices,
                          batch: GEMMBatch(count: members.count, c: GEMMBatch.stride(dweights, apart: outDim * inDim)!, a: dout, b: inp, bias: 0))
        }
        for m in members {
            if let dbias = m.dbias { try columnSumOnGPU(into: dbias, m.dout, rows: rows, cols: outDim, slices: slices) }
        }
    }
}

/// The members of a batched GPU GEMM: how many, and the distance in floats between consecutive
/// members' C, A, B and bias (0 for an operand all share).
struct GEMMBatch: Equatable {
    let count: Int, c: Int, a: Int, b: Int, bias: Int
    static let single = GEMMBatch(count: 1, c: 0, a: 0, b: 0, bias: 0)

    /// Member z's view of the operand whose first member is `v`.
    func member(_ z: Int, _ v: View, _ stride: KeyPath<GEMMBatch, Int>) -> View {
        View(buffer: v.buffer, offset: v.offset + z * self[keyPath: stride], count: v.count, width: v.width)
    }

    /// The fixed distance between consecutive views, all in one buffer, at least `apart` (so that
    /// outputs do not overlap); nil when there is none. All-nil views (no bias) have distance 0.
    static func stride(_ views: [View?], apart: Int) -> Int? {
        if views.allSatisfy({ $0 == nil }) { return 0 }
        let vs = views.compactMap { $0 }
        guard vs.count == views.count, let first = vs.first else { return nil }
        let step = vs.count > 1 ? vs[1].offset - first.offset : 0
        guard step >= apart, step >= 0 else { return nil }
        for (z, v) in vs.enumerated() where v.buffer !== first.buffer || v.offset != first.offset + z * step || v.count != first.count {
            return nil
        }
        return step
    }
}
