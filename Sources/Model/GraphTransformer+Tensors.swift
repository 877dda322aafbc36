import Compute

// Named tensors <-> the flat parameter buffer, for checkpoints. Names are those of our PyTorch
// reference (tools/reference), modelled on DiGress's module names (ours say `attention` where
// DiGress says `self_attn`), so the reference loads our weights with load_state_dict.

extension GraphTransformer {
    /// Splits a flat buffer (parameters, or optimizer moments of the same layout) into named tensors.
    public func namedTensors(_ flat: [Float], prefix: String = "") -> [String: SafeTensors.Tensor] {
        var out: [String: SafeTensors.Tensor] = [:]
        for e in layout.entries {
            out[prefix + e.name] = SafeTensors.Tensor(shape: e.shape, values: Array(flat[e.offset..<(e.offset + e.count)]))
        }
        return out
    }

    /// The inverse of `namedTensors`: every entry must be present with the right shape.
    public func flatten(_ tensors: [String: SafeTensors.Tensor], prefix: String = "", path: String) throws -> [Float] {
        var flat = [Float](repeating: 0, count: layout.totalCount)
        for e in layout.entries {
            guard let t = tensors[prefix + e.name] else {
                throw ModelError.checkpoint(path: path, problem: "missing tensor '\(prefix + e.name)' (the checkpoint does not match this model)")
            }
            guard t.shape == e.shape else {
                throw ModelError.checkpoint(path: path, problem: "tensor '\(prefix + e.name)' has shape \(t.shape), the model needs \(e.shape)")
            }
            for i in 0..<e.count { flat[e.offset + i] = t.values[i] }
        }
        return flat
    }
}
