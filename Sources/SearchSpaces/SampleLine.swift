import Foundation

/// The JSON line `nasdiff sample` writes for one graph (`predictor rank` too): its graph ("ops": node
/// classes by index, "adjacency"), "valid" and, when invalid, "reason"; when valid, "arch" (the space's
/// standard string), "naslib" (NASLib's encoding, where the space has one), and with a table holding
/// it, "index" (a numeric benchmark key, as NB201's) and "metrics". Keys sorted.
public enum SampleLine {
    public static func json(_ g: ArchGraph, space: any SearchSpace, table: BenchmarkTable?) throws -> String {
        var obj: [String: Any] = ["ops": g.ops, "adjacency": (0..<g.nodeCount).map { i in (0..<g.nodeCount).map { g.hasEdge(i, $0) ? 1 : 0 } }]
        if let why = space.invalidReason(g) {
            obj["valid"] = false
            obj["reason"] = why.reason
        } else {
            obj["valid"] = true
            let standard = try space.decode(g)
            obj["arch"] = standard
            if let naslib = space.naslibEncoding(standard) { obj["naslib"] = naslib }
            if let table, let row = table.row(ofStandard: standard) {
                // NB201's arch index as a number (what its API takes).
                if let i = Int(table.keys[row]) { obj["index"] = i }
                var metrics: [String: Any] = [:]
                for m in table.metrics { let v = try table.value(m.name, row: row); if v.isFinite { metrics[m.name] = v } }
                obj["metrics"] = metrics
            }
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self)
    }
}
