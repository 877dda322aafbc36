import ArgumentParser
import Compute
import Diffusion
import Foundation
import Model

// One denoiser forward pass on inputs read from a file, for parity checks against another
// implementation (tools/reference/parity.py runs the PyTorch reference on the same file). The
// inputs and outputs travel as safetensors so both sides read exactly the same floats.

struct ForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Run one denoiser forward pass on tensors from a file and write the logits (parity checks).",
        discussion: """
        --inputs holds F32 tensors x0 [G, n, dX], e0 [G, n, n, 2], y [G, W] and node_mask [G, n] (0/1), with
        n = the checkpoint's maxNodes. --out gets x_logits [G, n, dX] and e_logits [G, n, n, 2]. Example:
          nasdiff forward --checkpoint Models/nb201-small.safetensors --inputs in.safetensors --out out.safetensors
        """,
        shouldDisplay: false)

    @Option(help: "Checkpoint written by `nasdiff train`.") var checkpoint: String
    @Option(help: "safetensors file with x0, e0, y and node_mask.") var inputs: String
    @Option(help: "safetensors file to write x_logits and e_logits to.") var out: String
    @OptionGroup var deviceOption: DeviceOption

    func run() throws {
        let (ckpt, model) = try Checkpoint.read(from: checkpoint)
        let c = model.config, n = c.maxNodes
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

        let device = try deviceOption.make()
        let parameters = try model.parameters(on: device, values: ckpt.parameters)
        let w = try model.makeWorkspace(device: device, capacity: g, training: false)
        try device.upload(x0.values, to: w.x0.sub(0, x0.values.count))
        try device.upload(e0.values, to: w.e0.sub(0, e0.values.count))
        try device.upload(y.values, to: w.y0.sub(0, y.values.count))
        try device.upload(mask.values, to: w.nodeMask.sub(0, mask.values.count))
        try model.forward(parameters, w, graphs: g)
        let xs = try device.download(w.xLogits.sub(0, g * n * c.nodeClasses))
        let es = try device.download(w.eLogits.sub(0, g * n * n * c.edgeClasses))
        try SafeTensors(tensors: ["x_logits": .init(shape: [g, n, c.nodeClasses], values: xs),
                                  "e_logits": .init(shape: [g, n, n, c.edgeClasses], values: es)]).write(to: out)
        stderr("forward: \(g) graphs of \(n) nodes on \(device.name) -> \(out)")
    }
}
