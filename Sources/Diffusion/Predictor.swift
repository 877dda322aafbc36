import Foundation
import Compute
import Model
import SearchSpaces

// A noise-aware performance predictor f(G_t, t) → one number (DiGress's regressor; DiffusionNAG's
// guidance, diffusionnag-spec §A3, §C3): the graph transformer's blocks with a regression head on y,
// trained on graphs noised by a diffusion checkpoint's own forward process, so that during sampling
// its gradient with respect to the one-hot inputs can steer each reverse step. One safetensors file:
// the weights and a JSON header (PredictorRecord) that says what it predicts and under which noise.

public struct PredictorRecord: Codable, Sendable, Equatable {
    public static let formatVersion = 1
    public var format = PredictorRecord.formatVersion
    public var space: String
    /// The benchmark metric (or the user's own name for it) and which way it improves.
    public var metric: String
    public var direction: MetricDirection
    /// The network predicts (value − mean) / std.
    public var mean: Double
    public var std: Double
    /// Labelled architectures it learned from (training and held-out together).
    public var labels: Int
    /// `NoiseFingerprint.of` the diffusion checkpoint it was trained under; guidance refuses another.
    public var noise: String
    public var diffusionSteps: Int
    public var model: ModelConfig
    /// The classes each row of a valid graph can take, from the space's table (or the labels).
    public var support: RowClassSupport
    public var training: PredictorTrainingOptions
    /// Rank quality on the held-out fifth, at t = 0 and a few noise levels.
    public var heldOut: [RankQuality]
}

public struct Predictor: Sendable {
    public var record: PredictorRecord
    public var parameters: [Float]

    static let metadataKey = "nasdiff-predictor"

    public init(record: PredictorRecord, parameters: [Float]) {
        self.record = record
        self.parameters = parameters
    }

    public func network() throws -> GraphTransformer { try GraphTransformer(record.model) }

    /// A predictor with initial weights for `checkpoint` (benchmarks: speed does not depend on weights).
    public static func untrained(for checkpoint: CheckpointRecord, support: RowClassSupport,
                                 options: PredictorTrainingOptions = PredictorTrainingOptions()) throws -> Predictor {
        let net = try GraphTransformer(options.modelConfig(nodeClasses: checkpoint.model.nodeClasses, maxNodes: checkpoint.model.maxNodes))
        let device = Device()
        let values = try device.download(try net.initialParameters(on: device, seed: options.seed).values.all)
        let record = PredictorRecord(space: checkpoint.space, metric: "untrained", direction: .higherIsBetter, mean: 0, std: 1, labels: 0,
                                     noise: NoiseFingerprint.of(checkpoint), diffusionSteps: checkpoint.schedule.steps, model: net.config,
                                     support: support, training: options, heldOut: [])
        return Predictor(record: record, parameters: values)
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        try SafeTensors(tensors: try network().namedTensors(parameters), metadata: [Self.metadataKey: json]).write(to: path)
    }

    public static func read(from path: String) throws -> Predictor {
        let st: SafeTensors
        do { st = try SafeTensors.read(from: path) } catch let e as ModelError {
            throw DiffusionError.predictorFile(path, "\(e)".replacingOccurrences(of: "checkpoint \(path): ", with: ""))
        }
        guard let json = st.metadata[metadataKey] else {
            throw DiffusionError.predictorFile(path, "no '\(metadataKey)' header: not written by `nasdiff predictor train`")
        }
        let record: PredictorRecord
        do { record = try JSONDecoder().decode(PredictorRecord.self, from: Data(json.utf8)) } catch {
            throw DiffusionError.predictorFile(path, "the '\(metadataKey)' header is corrupted: \(error)")
        }
        guard record.format == PredictorRecord.formatVersion else {
            throw DiffusionError.predictorFile(path, "format \(record.format); this nasdiff reads format \(PredictorRecord.formatVersion)")
        }
        guard record.model.regressionHidden != nil, record.model.conditionWidth == 1, record.std.isFinite, record.std > 0,
              record.mean.isFinite else {
            throw DiffusionError.predictorFile(path, "the header does not describe a predictor (model, mean or std out of range)")
        }
        do { try record.model.validate() } catch { throw DiffusionError.predictorFile(path, "\(error)") }
        let classes = 0..<record.model.nodeClasses
        let support = record.support
        guard (support.first + support.last + support.middle.joined()).allSatisfy(classes.contains),
              support.middle.count <= record.model.maxNodes,
              (1...CheckpointRecord.maxDiffusionSteps).contains(record.diffusionSteps) else {
            throw DiffusionError.predictorFile(path, "the header's row classes or diffusion steps are out of range")
        }
        let params = try GraphTransformer(record.model).flatten(st.tensors, path: path)
        guard params.allSatisfy(\.isFinite) else { throw DiffusionError.predictorFile(path, "holds NaN or Inf weights") }
        return Predictor(record: record, parameters: params)
    }

    /// Throws unless this predictor can guide sampling from `checkpoint`: same space, same noise model.
    public func requireCompatible(with checkpoint: CheckpointRecord, path: String) throws {
        guard record.space == checkpoint.space else {
            throw DiffusionError.badOption("--predictor \(path)", "predicts for the \(record.space) space; the checkpoint samples \(checkpoint.space)")
        }
        guard record.noise == NoiseFingerprint.of(checkpoint) else {
            throw DiffusionError.badOption("--predictor \(path)", "was trained under another noise model (schedule or marginals) than this checkpoint's; train it with --checkpoint naming this one")
        }
    }

    /// The predicted metric (in the metric's units) of `graphs` noised to step t (t = 0: clean), in
    /// batches of `batch`. Noise is seeded, so the same call gives the same numbers.
    public func predict(_ graphs: [GraphTensors], t: Int, noise: CheckpointRecord, device: Device, batch: Int = 256,
                        seed: UInt64 = 0) throws -> [Double] {
        try predict(graphs, steps: [t], noise: noise, device: device, batch: batch, seed: seed)[0]
    }

    /// The same at several noise levels, one row per step, with one network and workspace for all.
    public func predict(_ graphs: [GraphTensors], steps: [Int], noise: CheckpointRecord, device: Device, batch: Int = 256,
                        seed: UInt64 = 0) throws -> [[Double]] {
        let net = try network()
        let p = try net.parameters(on: device, values: parameters)
        let b = min(batch, max(graphs.count, 1))
        let w = try net.makeWorkspace(device: device, capacity: b, training: false)
        let noiser = GraphNoiser(record: noise)
        return try steps.map { t in
            var out: [Double] = []
            var start = 0
            while start < graphs.count {
                let chunk = Array(graphs[start..<min(start + b, graphs.count)])
                let h = noiser.batch(chunk, t: chunk.map { _ in t }, seed: seed &+ UInt64(start), diffusionSteps: noise.schedule.steps)
                try w.upload(h, device: device)
                try net.forward(p, w, graphs: chunk.count)
                out += try device.download(w.prediction.rows(chunk.count)).map { Double($0) * record.std + record.mean }
                start += b
            }
            return out
        }
    }
}

/// Which noise model a checkpoint diffuses with: a hash of its space, schedule, marginals and fixed
/// edges. A predictor records the one it was trained under.
public enum NoiseFingerprint {
    public static func of(_ r: CheckpointRecord) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) { for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 } }
        mix(r.space.utf8)
        mix(String(r.schedule.steps).utf8)
        for v in r.schedule.alphaBars + r.nodeMarginal + r.edgeMarginal { mix(withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) }) }
        mix([r.fixedEdges ? 1 : 0])
        for v in r.fixedPairs ?? [] { mix(withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) }) }
        return String(format: "%016llx", hash)
    }
}

/// The classes each row of a valid graph can take: the first row (the input), the last real row (the
/// output) and each middle row index, as seen in a set of valid graphs. Guidance must not move a row
/// to a class outside this set: a predictor scores such inputs too, and its gradient may favour them.
public struct RowClassSupport: Codable, Sendable, Equatable {
    public var first: [Int]
    public var last: [Int]
    /// middle[i]: the classes row i takes when it is neither the first nor the last real row.
    public var middle: [[Int]]

    public init(graphs: [GraphTensors]) {
        var f = Set<Int>(), l = Set<Int>()
        var m = [Set<Int>](repeating: [], count: graphs.first?.n ?? 0)
        for g in graphs {
            let count = g.nodeCount
            guard count > 0 else { continue }
            f.insert(Int(g.nodes[0]))
            l.insert(Int(g.nodes[count - 1]))
            for i in 1..<max(count - 1, 1) { m[i].insert(Int(g.nodes[i])) }
        }
        first = f.sorted(); last = l.sorted(); middle = m.map { $0.sorted() }
    }

    /// 0/1 per (graph, row, class) for graphs of the given real node counts, padded to n rows; padding
    /// rows allow every class (their gradient is zero, so guidance leaves them alone).
    public func allowedMask(nodeCounts: [Int], n: Int, classes: Int) -> [Float] {
        var mask = [Float](repeating: 0, count: nodeCounts.count * n * classes)
        for (g, count) in nodeCounts.enumerated() {
            for i in 0..<n {
                let allowed: [Int]
                if i >= count { allowed = Array(0..<classes) }
                else if i == 0 { allowed = first }
                else if i == count - 1 { allowed = last }
                else { allowed = i < middle.count ? middle[i] : [] }
                for c in allowed where c < classes { mask[(g * n + i) * classes + c] = 1 }
            }
        }
        return mask
    }
}

/// Spearman's ρ and Kendall's τ (τ-b, ties counted) of predictions against true values at step t.
public struct RankQuality: Codable, Sendable, Equatable {
    public var t: Int
    public var spearman: Double
    public var kendall: Double

    public init(t: Int, predicted: [Double], actual: [Double]) {
        self.t = t
        spearman = RankQuality.spearman(predicted, actual)
        kendall = RankQuality.kendall(predicted, actual)
    }

    /// Average ranks (ties share the mean rank).
    static func ranks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var r = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            for k in i...j { r[order[k]] = Double(i + j) / 2 }
            i = j + 1
        }
        return r
    }

    public static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        pearson(ranks(a), ranks(b))
    }

    public static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        guard a.count == b.count, a.count > 1 else { return .nan }
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }

    public static func kendall(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count, a.count > 1 else { return .nan }
        var concordant = 0.0, discordant = 0.0, tiesA = 0.0, tiesB = 0.0
        for i in a.indices {
            for j in (i + 1)..<a.count {
                let da = a[i] - a[j], db = b[i] - b[j]
                if da == 0 && db == 0 { continue }
                if da == 0 { tiesA += 1 } else if db == 0 { tiesB += 1 } else if (da > 0) == (db > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let denominator = ((concordant + discordant + tiesA) * (concordant + discordant + tiesB)).squareRoot()
        return denominator > 0 ? (concordant - discordant) / denominator : 0
    }
}

extension GraphNoiser {
    init(record r: CheckpointRecord) {
        self.init(schedule: r.schedule, nodeNoise: MarginalTransitions(marginal: r.nodeMarginal),
                  edgeNoise: MarginalTransitions(marginal: r.edgeMarginal), fixedEdges: r.fixedEdges, nodeClasses: r.model.nodeClasses)
    }

    /// A predictor's batch: `graphs` noised to their steps `t`, y = t/T.
    func batch(_ graphs: [GraphTensors], t: [Int], seed: UInt64, diffusionSteps: Int) -> BatchBuilder.Host {
        let n = graphs.first?.n ?? 0, g = graphs.count
        var rng = SplitMix64(seed)
        var h = BatchBuilder.Host(x0: .init(repeating: 0, count: g * n * nodeClasses), e0: .init(repeating: 0, count: g * n * n * 2),
                                  y0: t.map { Float($0) / Float(diffusionSteps) }, mask: .init(repeating: 0, count: g * n),
                                  targetsX: .init(repeating: -1, count: g * n), targetsE: .init(repeating: -1, count: g * n * n))
        for (b, graph) in graphs.enumerated() { write(graph, t: t[b], slot: b, into: &h, rng: &rng) }
        return h
    }
}
