import Foundation
import Compute
import SearchSpaces

// Where a predictor's labels come from: K cells drawn from the benchmark table (the research
// setting), or JSON lines of the user's own measurements — what `nasdiff sample` writes (the metric
// under "metrics") or any line with "arch" (or "ops" + "adjacency") and the metric as a top-level key.

public enum PredictorLabels {
    /// `count` distinct valid cells of the table with a finite value of `metric`, drawn with `seed`.
    public static func tableSample(space: any SearchSpace, table: BenchmarkTable, metric: String, count: Int,
                                   seed: UInt64) throws -> [LabelledGraph] {
        let column: [Double]
        do { column = try table.column(metric) } catch {
            throw DiffusionError.badOption("--metric \(metric)", "the \(space.name) table has no such metric; it has \(table.metrics.map(\.name).joined(separator: ", "))")
        }
        guard count >= 1 else { throw DiffusionError.badOption("--table-sample \(count)", "must be at least 1") }
        var rows = Array(0..<table.rowCount).filter { column[$0].isFinite }
        var rng = SplitMix64(seed &+ 0x7AB1E)
        rows.shuffle(using: &rng)
        var labels: [LabelledGraph] = []
        var seen = Set<String>()
        for r in rows where labels.count < count {
            guard let g = try? space.encode(table.standards[r]), space.invalidReason(g) == nil, seen.insert(space.identity(g)).inserted else { continue }
            labels.append(LabelledGraph(graph: GraphTensors(g, n: space.maxNodes), value: column[r]))
        }
        guard labels.count == count else {
            throw DiffusionError.badOption("--table-sample \(count)", "the table has only \(labels.count) distinct valid cells with \(metric)")
        }
        return labels
    }

    /// Labels from JSON lines; returns them with the numbers of the lines that could not be used.
    public static func parse(lines: [String], space: any SearchSpace, metric: String, path: String) throws
        -> (labels: [LabelledGraph], skippedLines: [Int]) {
        var labels: [LabelledGraph] = [], skipped: [Int] = []
        for (i, text) in lines.enumerated() {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any],
                  let value = number(object[metric]) ?? number((object["metrics"] as? [String: Any])?[metric]), value.isFinite,
                  let arch = GeneratedArchitecture(jsonLine: trimmed) else {
                skipped.append(i + 1)
                continue
            }
            let graph: ArchGraph?
            switch arch {
            case .graph(let g): graph = g
            case .standard(let s): graph = try? space.encode(s)
            }
            guard let graph, space.invalidReason(graph) == nil, graph.nodeCount <= space.maxNodes else { skipped.append(i + 1); continue }
            labels.append(LabelledGraph(graph: GraphTensors(graph, n: space.maxNodes), value: value))
        }
        guard !labels.isEmpty else {
            throw DiffusionError.badOption("--labels \(path)", "no line has a valid \(space.name) architecture and a finite '\(metric)' (top-level or under \"metrics\")")
        }
        return (labels, skipped)
    }

    private static func number(_ any: Any?) -> Double? {
        if let n = any as? NSNumber { return n.doubleValue }
        return nil
    }

    /// Where guided rows may go: the classes of each row over every valid cell of the table, or over
    /// the labelled graphs when there is no table.
    public static func support(space: any SearchSpace, table: BenchmarkTable?, labels: [LabelledGraph]) -> RowClassSupport {
        guard let table else { return RowClassSupport(graphs: labels.map(\.graph)) }
        var graphs: [GraphTensors] = []
        for s in table.standards {
            if let g = try? space.encode(s), space.invalidReason(g) == nil { graphs.append(GraphTensors(g, n: space.maxNodes)) }
        }
        return RowClassSupport(graphs: graphs + labels.map(\.graph))
    }
}
