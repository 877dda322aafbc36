import Foundation
import Model
import SearchSpaces

// A checkpoint is one safetensors file: the weights (by name), the AdamW moments (for --resume),
// and a JSON header that holds everything sampling needs — so a checkpoint alone is enough.

public struct CheckpointRecord: Codable, Sendable, Equatable {
    public static let formatVersion = 1
    public var format = CheckpointRecord.formatVersion
    public var space: String
    public var model: ModelConfig
    public var schedule: NoiseSchedule
    public var nodeMarginal: [Double]
    public var edgeMarginal: [Double]
    public var nodeCountHistogram: [Int]
    public var conditions: [ConditionSpec]
    /// Diffuse only the node ops; edges are the space's fixed adjacency.
    public var fixedEdges: Bool
    public var training: TrainingOptions
    /// Completed optimizer steps.
    public var step: Int
    public var epoch: Int
    /// Table rows the model was trained on (for novelty), as a compact list.
    public var trainingRows: [Int]
    /// With fixedEdges: the space's pair classes (maxNodes², −1 off the graph) that sampling keeps.
    public var fixedPairs: [Int]?
}

public struct Checkpoint: Sendable {
    public var record: CheckpointRecord
    public var parameters: [Float]
    /// AdamW moments m, v and (amsgrad) vMax, in the flat parameter layout; empty when absent.
    public var moments: [[Float]]

    static let metadataKey = "nasdiff"

    public func write(to path: String, model: GraphTransformer) throws {
        var tensors = model.namedTensors(parameters)
        for (i, m) in moments.enumerated() { tensors.merge(model.namedTensors(m, prefix: "optimizer.\(i)."), uniquingKeysWith: { a, _ in a }) }
        // Sorted keys: the same run writes the same bytes (a keyed container's order otherwise
        // follows the process's hash seed), so a checkpoint's checksum can stand for it.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        try SafeTensors(tensors: tensors, metadata: [Self.metadataKey: json]).write(to: path)
    }

    public static func read(from path: String) throws -> (Checkpoint, GraphTransformer) {
        let st: SafeTensors
        do { st = try SafeTensors.read(from: path) } catch let e as ModelError {
            throw DiffusionError.checkpoint(path, "\(e)".replacingOccurrences(of: "checkpoint \(path): ", with: ""))
        }
        guard let json = st.metadata[metadataKey] else {
            throw DiffusionError.checkpoint(path, "no '\(metadataKey)' header: not written by nasdiff train")
        }
        let record: CheckpointRecord
        do { record = try JSONDecoder().decode(CheckpointRecord.self, from: Data(json.utf8)) } catch {
            throw DiffusionError.checkpoint(path, "the '\(metadataKey)' header is corrupted: \(error)")
        }
        guard record.format == CheckpointRecord.formatVersion else {
            throw DiffusionError.checkpoint(path, "format \(record.format); this nasdiff reads format \(CheckpointRecord.formatVersion)")
        }
        do { try record.validate() } catch { throw DiffusionError.checkpoint(path, "the header is not a valid checkpoint: \(error)") }
        let model = try GraphTransformer(record.model)
        let params = try model.flatten(st.tensors, path: path)
        var moments: [[Float]] = []
        for i in 0..<3 where st.tensors["optimizer.\(i).\(model.layout.entries[0].name)"] != nil {
            moments.append(try model.flatten(st.tensors, prefix: "optimizer.\(i).", path: path))
        }
        for v in params where !v.isFinite {
            throw DiffusionError.checkpoint(path, "holds NaN or Inf weights")
        }
        return (Checkpoint(record: record, parameters: params, moments: moments), model)
    }
}
