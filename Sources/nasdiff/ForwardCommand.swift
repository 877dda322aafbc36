import ArgumentParser
import Compute
import Diffusion
import Foundation
import Model

// One denoiser (or predictor) forward pass on inputs read from a file, for parity checks against
// another implementation (tools/reference/parity.py and predictor_parity.py run the PyTorch reference
// on the same file). The inputs and outputs travel as safetensors so both sides read exactly the same
// floats.

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run one denoiser or predictor forward pass on tensors from a file and write its outputs (parity checks).",
        discussion: """
        --inputs holds F32 tensors x0 [G, n, dX], e0 [G, n, n, 2], y [G, W] and node_mask [G, n] (0/1), with
        n = the model's maxNodes. With --checkpoint (a denoiser), --out gets x_logits [G, n, dX] and
        e_logits [G, n, n, 2]. With --predictor (W = 1: y = t/T), --out gets prediction [G] (the network's
        standardised output) and the gradients of Σ_g prediction_g with respect to the inputs, d_x0 [G, n, dX]
        and d_e0 [G, n, n, 2]. Examples:
          nasdiff forward --checkpoint Models/nb201-small.safetensors --inputs in.safetensors --out out.safetensors
          nasdiff forward --predictor P.safetensors --inputs in.safetensors --out out.safetensors
        """,
        shouldDisplay: false)

    @Option(help: "Checkpoint written by `nasdiff train` (a denoiser).") var checkpoint: String?
    @Option(help: "Predictor written by `nasdiff predictor train`.") var predictor: String?
    @Option(help: "safetensors file with x0, e0, y and node_mask.") var inputs: String
    @Option(help: "safetensors file to write the outputs to (x_logits and e_logits, or prediction, d_x0 and d_e0).") var out: String
    @OptionGroup var deviceOption: DeviceOption

    func validate() throws {
        guard (checkpoint == nil) != (predictor == nil) else {
            throw ValidationError("give exactly one of --checkpoint FILE (a denoiser) and --predictor FILE")
        }
    }

    /// The four inputs of a batch, checked against the model's shapes.
    struct Inputs {
        var x0, e0, y, mask: SafeTensors.Tensor
        var graphs: Int { x0.shape[0] }
    }

    func readInputs(_ c: ModelConfig) throws -> Inputs {
        let n = c.maxNodes
        let file = try SafeTensors.read(from: inputs)
        func tensor(_ name: String, _ tail: [Int]) throws -> SafeTensors.Tensor {
            guard let t = file.tensors[name] else { throw CommandError("--inputs \(inputs): no tensor '\(name)'") }
            guard t.shape.count == tail.count + 1, Array(t.shape.dropFirst()) == tail, t.shape[0] > 0 else {
                throw CommandError("--inputs \(inputs): '\(name)' has shape \(t.shape), expected [G] + \(tail)")
            }
            return t
        }
        let x0 = try tensor("x0", [n, c.nodeClasses]), e0 = try tensor("e0", [n, n, c.edgeClasses])
        let y = try tensor("y", [c.conditionWidth]), mask = try tensor("node_mask", [n])
        let g = x0.shape[0]
        guard [e0, y, mask].allSatisfy({ $0.shape[0] == g }) else {
            throw CommandError("--inputs \(inputs): x0, e0, y and node_mask must have the same first dimension G")
        }
        return Inputs(x0: x0, e0: e0, y: y, mask: mask)
    }

    func upload(_ i: Inputs, to w: Workspace, on device: Device) throws {
        try device.upload(i.x0.values, to: w.x0.prefix(i.x0.values.count))
        try device.upload(i.e0.values, to: w.e0.prefix(i.e0.values.count))
        try device.upload(i.y.values, to: w.y0.prefix(i.y.values.count))
        try device.upload(i.mask.values, to: w.nodeMask.prefix(i.mask.values.count))
    }

    func run() throws {
        if let predictor { return try runPredictor(predictor) }
        guard let checkpoint else { return }
        let (ckpt, model) = try Checkpoint.read(from: checkpoint)
        let c = model.config, n = c.maxNodes
        let i = try readInputs(c), g = i.graphs

        let device = try deviceOption.make()
        let parameters = try model.parameters(on: device, values: ckpt.parameters)
        let w = try model.makeWorkspace(device: device, capacity: g, training: false)
        try upload(i, to: w, on: device)
        try model.forward(parameters, w, graphs: g)
        let xs = try device.download(w.xLogits.rows(g * n))
        let es = try device.download(w.eLogits.rows(g * n * n))
        try SafeTensors(tensors: ["x_logits": .init(shape: [g, n, c.nodeClasses], values: xs),
                                  "e_logits": .init(shape: [g, n, n, c.edgeClasses], values: es)]).write(to: out)
        stderr("forward: \(g) graphs of \(n) nodes on \(device.name) -> \(out)")
    }

    /// The predictor's forward and the backward of Σ_g prediction_g to the one-hot inputs (what
    /// predictor guidance uses), on a training workspace.
    func runPredictor(_ path: String) throws {
        let p = try Predictor.read(from: path)
        let net = try p.network()
        let c = net.config, n = c.maxNodes
        let i = try readInputs(c), g = i.graphs

        let device = try deviceOption.make()
        let parameters = try net.parameters(on: device, values: p.parameters)
        let w = try net.makeWorkspace(device: device, capacity: g, training: true)
        try upload(i, to: w, on: device)
        try net.forward(parameters, w, graphs: g)
        try net.zeroGradients(parameters, w)
        guard let seed = w.dPrediction, let dX0 = w.dX0, let dE0 = w.dE0 else {
            throw CommandError("--predictor \(path): the network has no prediction gradient (not a predictor)")
        }
        try device.upload([Float](repeating: 1, count: g), to: seed.rows(g))
        try net.backward(parameters, w, graphs: g, inputGradients: true)
        let prediction = try device.download(w.prediction.rows(g))
        let dx = try device.download(dX0.rows(g * n))
        let de = try device.download(dE0.rows(g * n * n))
        try SafeTensors(tensors: ["prediction": .init(shape: [g], values: prediction),
                                  "d_x0": .init(shape: [g, n, c.nodeClasses], values: dx),
                                  "d_e0": .init(shape: [g, n, n, c.edgeClasses], values: de)]).write(to: out)
        stderr("forward: predictor, \(g) graphs of \(n) nodes on \(device.name) -> \(out)")
    }
}
