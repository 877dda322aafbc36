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
        func slice(_ count: Int) -> View { defer { off += count }; return inputBuffer.view(off, count) }
        x0 = slice(rn * c.nodeClasses); e0 = slice(re * c.edgeClasses); y0 = slice(g * c.conditionWidth)
        nodeMask = slice(g * n); targetsX = slice(rn); targetsE = slice(re); losses = slice(rn + re)

        let layerSets = training ? c.layers : min(2, c.layers)
        let edgeInputs = training || !device.fusesEdgeAttention(n: n)
        func build(_ a: inout Arena) -> (InputActs, [TransformerLayer.Acts], OutputActs) {
            let i = InputActs(&a, c, graphs: g, n: n, training: training)
            let ls = (0..<layerSets).map {
                TransformerLayer.Acts(&a, model.layers[$0], graphs: g, n: n, keepProbs: training, edgeInputs: edgeInputs)
            }
            let o = OutputActs(&a, c, graphs: g, n: n)
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
            dX0 = inputGrads.view(0, rn * c.nodeClasses); dE0 = inputGrads.view(rn * c.nodeClasses, re * c.edgeClasses)
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
    /// eCat, the edge features concatenated before symmetrisation, is only a gradient slot (and empty
    /// without training): the forward concatenates, symmetrises and masks in one pass.
    var xa, xb, xc, xd, x: View
    var ea, eb, ec, ed, eCat, e: View
    var ya, yb, yc, yh: View
    var cxa, cxb, cX, cea, ceb, cE: View

    init(_ a: inout Arena, _ c: ModelConfig, graphs g: Int, n: Int, training: Bool) {
        let rn = g * n, re = g * n * n
        xa = a.take(rn * c.hiddenInX); xb = a.take(rn * c.hiddenInX); xc = a.take(rn * c.nodeEmbed); xd = a.take(rn * c.nodeEmbed)
        x = a.take(rn * c.dx)
        ea = a.take(re * c.hiddenInE); eb = a.take(re * c.hiddenInE); ec = a.take(re * c.edgeEmbed); ed = a.take(re * c.edgeEmbed)
        eCat = a.take(training ? re * c.de : 0); e = a.take(re * c.de)
        ya = a.take(g * c.hiddenInY); yb = a.take(g * c.hiddenInY); yc = a.take(g * c.dy); yh = a.take(g * c.dy)
        cxa = a.take(g * (c.dx - c.nodeEmbed)); cxb = a.take(g * (c.dx - c.nodeEmbed)); cX = a.take(g * (c.dx - c.nodeEmbed))
        cea = a.take(g * (c.de - c.edgeEmbed)); ceb = a.take(g * (c.de - c.edgeEmbed)); cE = a.take(g * (c.de - c.edgeEmbed))
    }
}

struct OutputActs {
    /// eMasked, the masked logits before symmetrisation, is only a gradient slot: the forward does
    /// the residual, mask and symmetrisation in one pass (symmetrizePairs). A predictor has no logits
    /// (empty views) and a denoiser no head.
    var oxa, oxb, oxc, xLogits: View
    var oea, oeb, oec, eMasked, eLogits: View
    /// The regression head: hidden rows after ReLU (graphs × hidden), the prediction (graphs), and
    /// headPreReLU, a gradient slot only (the forward fuses the ReLU).
    var headPreReLU, headHidden, prediction: View

    init(_ a: inout Arena, _ c: ModelConfig, graphs g: Int, n: Int) {
        let rn = g * n, re = g * n * n
        let logits = c.regressionHidden == nil ? 1 : 0, h = c.regressionHidden ?? 0
        oxa = a.take(logits * rn * c.hiddenOutX); oxb = a.take(logits * rn * c.hiddenOutX)
        oxc = a.take(logits * rn * c.nodeClasses); xLogits = a.take(logits * rn * c.nodeClasses)
        oea = a.take(logits * re * c.hiddenOutE); oeb = a.take(logits * re * c.hiddenOutE); oec = a.take(logits * re * c.edgeClasses)
        eMasked = a.take(logits * re * c.edgeClasses); eLogits = a.take(logits * re * c.edgeClasses)
        headPreReLU = a.take(g * h); headHidden = a.take(g * h); prediction = a.take(h > 0 ? g : 0)
    }
}
