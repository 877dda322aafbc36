// Generated architectures as they reach the evaluation: one JSON object per line.
//
// Accepted line forms (other fields are ignored, blank lines are skipped):
//   {"arch": "<standard string of the space>"}
//   {"ops": [1, 3, …, 0], "adjacency": [[0, 1, …], …]}    the raw graph of the sampler: node classes
//                                                        and an n×n 0/1 (or true/false) matrix, row i
//                                                        = edges i→j. Use it for graphs that may be
//                                                        invalid and so have no standard string.
// When both are present the graph is used (it is what was generated; "arch" may be a decoration).

import Foundation

public enum GeneratedArchitecture: Sendable, Hashable {
    case graph(ArchGraph)
    case standard(String)
}

/// A line that is not one of the accepted forms: its 1-based number and why.
public struct MalformedLine: Codable, Sendable, Hashable {
    public var line: Int
    public var problem: String
}

enum GeneratedArchitectureLines {
    /// Parses JSON lines; returns the architectures with their 1-based line numbers, and the
    /// malformed lines. One bad line never stops the others.
    static func parse(_ lines: [String]) -> (samples: [(line: Int, arch: GeneratedArchitecture)], malformed: [MalformedLine]) {
        var samples: [(line: Int, arch: GeneratedArchitecture)] = []
        var malformed: [MalformedLine] = []
        for (i, text) in lines.enumerated() {
            let number = i + 1
            if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            switch parseLine(text) {
            case .success(let arch): samples.append((number, arch))
            case .failure(let error): malformed.append(MalformedLine(line: number, problem: error.why))
            }
        }
        return (samples, malformed)
    }

    struct LineError: Error { let why: String }

    static func parseLine(_ text: String) -> Result<GeneratedArchitecture, LineError> {
        let accepted = "expected a JSON object with \"arch\" (a standard string) or \"ops\" and \"adjacency\""
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            return .failure(LineError(why: "not valid JSON; \(accepted)"))
        }
        guard let fields = object as? [String: Any] else {
            return .failure(LineError(why: "a JSON value that is not an object; \(accepted)"))
        }
        if fields["ops"] != nil || fields["adjacency"] != nil {
            return parseGraph(fields).map(GeneratedArchitecture.graph)
        }
        guard let arch = fields["arch"] else { return .failure(LineError(why: "no field \"arch\"; \(accepted)")) }
        guard let standard = arch as? String else { return .failure(LineError(why: "\"arch\" is not a string; \(accepted)")) }
        return .success(.standard(standard))
    }

    private static func parseGraph(_ fields: [String: Any]) -> Result<ArchGraph, LineError> {
        guard let rawOps = fields["ops"] as? [Any], let ops = integers(rawOps) else {
            return .failure(LineError(why: "\"ops\" must be an array of integer node classes"))
        }
        guard let rows = fields["adjacency"] as? [Any], rows.count == ops.count else {
            return .failure(LineError(why: "\"adjacency\" must be an array of \(ops.count) rows (one per op)"))
        }
        var adjacency: [Bool] = []
        adjacency.reserveCapacity(ops.count * ops.count)
        for (r, row) in rows.enumerated() {
            guard let entries = row as? [Any], entries.count == ops.count else {
                return .failure(LineError(why: "\"adjacency\" row \(r) must have \(ops.count) entries"))
            }
            for entry in entries {
                guard let bit = edgeBit(entry) else {
                    return .failure(LineError(why: "\"adjacency\" row \(r) holds '\(entry)'; entries are 0/1 or true/false"))
                }
                adjacency.append(bit)
            }
        }
        return .success(ArchGraph(ops: ops, adjacency: adjacency))
    }

    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for v in values {
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else { return nil }
            result.append(i)
        }
        return result
    }

    /// 0/1 or false/true (JSONSerialization hands both over as NSNumber).
    private static func edgeBit(_ value: Any) -> Bool? {
        guard let n = value as? NSNumber else { return nil }
        switch n.doubleValue {
        case 0: return false
        case 1: return true
        default: return nil
        }
    }
}

public extension GeneratedArchitecture {
    /// The architecture of one JSON line as `nasdiff evaluate` reads it, or nil when it has none.
    init?(jsonLine: String) {
        guard case .success(let arch) = GeneratedArchitectureLines.parseLine(jsonLine) else { return nil }
        self = arch
    }
}
