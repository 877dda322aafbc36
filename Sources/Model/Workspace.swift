import Compute

// Everything one forward (and backward) needs for up to `capacity` graphs: the inputs the caller
// fills, every activation, and — when training — a gradient buffer of the same layout.
// For sampling (no backward) the layers ping-pong between two activation sets, so memory does not
// grow with depth.

public final class Workspace: @unchecked Sendable {
    public let capacity: Int
    public let training: Bool
    public let n: Int

    /// Inputs, filled by the caller: noisy one-hots X_t (graphs·n × dX), E_t (graphs·n·n × dE), the
    /// global input y (graphs × conditionWidth) and the node mask (graphs × n, 0/1).
    public let x0, e0, y0, nodeMask: View
    /// Clean classes for the loss (class index, −1 = not counted): nodes (graphs·n), pairs (graphs·n·n).
    public let targetsX, targetsE: View
    /// Outputs: logits for the clean classes (a denoiser), or one number per graph (a predictor).
    public var xLogits: View { out.xLogits }
    public var eLogits: View { out.eLogits }
    public var prediction: View { out.prediction }
    /// Training workspaces: the gradient of the backward's objective with respect to the inputs x0
    /// (graphs·n × dX) and e0 (graphs·n·n × dE), when the backward is asked for it.
    public let dX0, dE0: View?
    /// Training workspaces of a predictor: the seed of the backward, d(objective)/d(prediction), per graph.
    public var dPrediction: View? { dOut?.prediction }

    let inputs: Buffer
    let acts: Buffer
    let grads: Buffer?
    let inBlock: InputActs, dInBlock: InputActs?
    let layerActs: [TransformerLayer.Acts], dLayerActs: [TransformerLayer.Acts]
    let out: OutputActs, dOut: OutputActs?
    let losses: View

    init(model: GraphTransformer, device: Device, capacity g: Int, training: Bool) throws {
        let c = model.config
        self.capacity = g
        self.training = training
        let n = c.maxNodes
        self.n = n
        let rn = g * n, re = g * n * n
        let inputBuffer = try device.makeBuffer(count: rn * c.nodeClasses + re * c.edgeClasses + g * c.conditionWidth + g * n + rn + re + rn + re)
        inputs = inputBuffer
        var off = 0
        func slice(_ rows: Int, width: Int = 1) -> View {
            defer { off += rows * width }
            return inputBuffer.view(off, rows * width, width: width)
        }
        x0 = slice(rn, width: c.nodeClasses); e0 = slice(re, width: c.edgeClasses); y0 = slice(g, width: c.conditionWidth)
        nodeMask = slice(g, width: n); targetsX = slice(rn); targetsE = slice(re); losses = slice(rn + re)

        let layerSets = training ? c.layers : min(2, c.layers)
        let edgeInputs = training || !device.fusesEdgeAttention(n: n)
        func build(_ a: inout Arena) -> (InputActs, [TransformerLayer.Acts], OutputActs) {
            let i = InputActs(&a, model, graphs: g, n: n, training: training)
            let ls = (0..<layerSets).map {
                TransformerLayer.Acts(&a, model.layers[$0], graphs: g, n: n, keepProbs: training, edgeInputs: edgeInputs)
            }
            let o = OutputActs(&a, model, graphs: g, n: n, training: training)
            return (i, ls, o)
        }
        var sizing = Arena.measuring()
        _ = build(&sizing)
        acts = try device.makeBuffer(count: sizing.used)
        var a = Arena(buffer: acts)
        (inBlock, layerActs, out) = build(&a)
        if training {
            let gb = try device.makeBuffer(count: sizing.used)
            var ga = Arena(buffer: gb)
            let (di, dl, dO) = build(&ga)
            grads = gb; dInBlock = di; dLayerActs = dl; dOut = dO
            let inputGrads = try device.makeBuffer(count: rn * c.nodeClasses + re * c.edgeClasses)
            dX0 = inputGrads.view(0, rn * c.nodeClasses, width: c.nodeClasses)
            dE0 = inputGrads.view(rn * c.nodeClasses, re * c.edgeClasses, width: c.edgeClasses)
        } else {
            grads = nil; dInBlock = nil; dLayerActs = []; dOut = nil; dX0 = nil; dE0 = nil
        }
        positional = try device.makeBuffer(PositionalEncoding.table(positions: n, channels: c.nodeEmbed, width: c.dx))
    }

    /// (n × dx) positional table, zero over the class-embedding half.
    let positional: Buffer

    /// Activation set used by layer `i`.
    func acts(layer i: Int) -> TransformerLayer.Acts { layerActs[i % layerActs.count] }
}

struct InputActs {
    /// The input MLPs' activations: X (rn rows), E (re rows), y (g rows), and y's class embeddings (g rows).
    var xIn, eIn, yIn, classX, classE: MLP.Acts
    /// The layers' inputs: X with the class embedding and positions (rn × dx), E with its class embedding,
    /// symmetrised (re × de).
    var x, e: View
    /// E before symmetrisation, re × de: a gradient slot only (the forward concatenates, symmetrises and
    /// masks in one pass), empty without training.
    var eCat: View
    /// The layers' y, g × dy.
    var yh: View { yIn.out }

    init(_ a: inout Arena, _ m: GraphTransformer, graphs g: Int, n: Int, training: Bool) {
        let c = m.config, rn = g * n, re = g * n * n
        xIn = MLP.Acts(&a, m.xIn, rows: rn, training: training)
        x = a.take(rows: rn, width: c.dx)
        eIn = MLP.Acts(&a, m.eIn, rows: re, training: training)
        eCat = a.take(rows: training ? re : 0, width: c.de)
        e = a.take(rows: re, width: c.de)
        yIn = MLP.Acts(&a, m.yIn, rows: g, training: training)
        classX = MLP.Acts(&a, m.classX, rows: g, training: training)
        classE = MLP.Acts(&a, m.classE, rows: g, training: training)
    }
}

struct OutputActs {
    /// The denoiser's output MLPs (rn and re rows; empty for a predictor): outX.out + X_t, masked, is
    /// xLogits (rn × node classes); outE.out + E_t, masked and symmetrised, is eLogits (re × 2).
    var outX, outE: MLP.Acts
    var xLogits, eLogits: View
    /// The masked edge logits before symmetrisation: a gradient slot only (the forward does the
    /// residual, mask and symmetrisation in one pass, symmetrizePairs).
    var eMasked: View
    /// The predictor's head (g rows; empty for a denoiser): head.out is the prediction, one per graph.
    var head: MLP.Acts
    var prediction: View { head.out }

    init(_ a: inout Arena, _ m: GraphTransformer, graphs g: Int, n: Int, training: Bool) {
        let c = m.config, rn = g * n, re = g * n * n
        func none() -> MLP.Acts { MLP.Acts(&a, MLP(Linear.none, Linear.none), rows: 0, training: false) }
        if let o = m.outputs {
            outX = MLP.Acts(&a, o.x, rows: rn, training: training)
            xLogits = a.take(rows: rn, width: c.nodeClasses)
            outE = MLP.Acts(&a, o.e, rows: re, training: training)
            eMasked = a.take(rows: re, width: c.edgeClasses); eLogits = a.take(rows: re, width: c.edgeClasses)
        } else {
            outX = none(); outE = none(); xLogits = a.take(0); eMasked = a.take(0); eLogits = a.take(0)
        }
        head = m.head.map { MLP.Acts(&a, $0, rows: g, training: training) } ?? none()
    }
}
