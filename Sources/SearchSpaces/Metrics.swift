// The generation metrics of dinas-spec §6.1, as pure functions over judged samples. Definitions:
//   validity    valid samples / samples (malformed input lines are not samples; they are listed
//               apart), with the invalid ones counted by reason key;
//   uniqueness  distinct isomorphism-aware identities among the valid / valid;
//   novelty     distinct valid identities absent from the training set / distinct valid identities;
//   queries     a sample is "queried" when it is valid and its architecture is in the table; each
//               distinct standard string is one query (looking the same cell up again is free), in
//               the order the samples came; "the first N queries" are the first N distinct ones;
//   best/top-k  the best table values among the queried rows, by the metric's direction;
//   feasibility queried rows that satisfy every constraint / queried rows, and the best of those.

/// One sample after validation against the space and lookup in the table.
public struct JudgedSample: Sendable, Hashable {
    /// 1-based input line (or position in the list).
    public var line: Int
    /// nil when valid, otherwise the reason key ("unparsable" when the text was not readable).
    public var invalidReason: String?
    public var standard: String?
    public var identity: String?
    /// Row in the benchmark table, when valid and present.
    public var row: Int?

    public var isValid: Bool { invalidReason == nil }
}

public struct ValiditySummary: Codable, Sendable, Hashable {
    public var samples: Int
    public var valid: Int
    public var fraction: Double
    /// Invalid samples per reason key.
    public var invalidByReason: [String: Int]
}

public struct UniquenessSummary: Codable, Sendable, Hashable {
    public var valid: Int
    /// Distinct isomorphism-aware identities among the valid samples.
    public var unique: Int
    public var fraction: Double
    /// Distinct standard strings among the valid samples (no isomorphism merging; DiNAS counts
    /// NB201 uniqueness by benchmark index, which is this number).
    public var distinctStandards: Int
}

public struct NoveltySummary: Codable, Sendable, Hashable {
    public var unique: Int
    public var novel: Int
    public var fraction: Double
    /// Distinct identities in the training set.
    public var trainingSetSize: Int
}

/// An architecture of the table with one metric value.
public struct RankedArchitecture: Codable, Sendable, Hashable {
    public var standard: String
    public var key: String
    public var value: Double
}

public enum SampleMetrics {
    public static let unparsable = "unparsable"

    /// Validates one generated architecture and looks it up.
    public static func judge(_ arch: GeneratedArchitecture, line: Int, space: any SearchSpace, table: BenchmarkTable?) -> JudgedSample {
        let graph: ArchGraph
        switch arch {
        case .graph(let g):
            graph = g
        case .standard(let text):
            do {
                graph = try space.encode(text)
            } catch SearchSpaceError.invalid(_, let reason) {
                // Spaces whose text form can express broken cells (NB101) report the rule broken.
                return JudgedSample(line: line, invalidReason: reason.reason)
            } catch {
                return JudgedSample(line: line, invalidReason: unparsable)
            }
        }
        if let reason = space.invalidReason(graph) {
            return JudgedSample(line: line, invalidReason: reason.reason)
        }
        guard let standard = try? space.decode(graph) else {
            // A valid graph always decodes; treat a space that disagrees with itself as invalid.
            return JudgedSample(line: line, invalidReason: "undecodable")
        }
        let identity = space.identity(graph)
        // Tables whose rows are stored under a canonical form that is also the identity (DARTS
        // genotypes with sorted inputs) are found through the identity.
        let row = table.flatMap { $0.row(ofStandard: standard) ?? $0.row(ofStandard: identity) }
        return JudgedSample(line: line, invalidReason: nil, standard: standard, identity: identity, row: row)
    }

    public static func validity(_ samples: [JudgedSample]) -> ValiditySummary {
        var byReason: [String: Int] = [:]
        for s in samples { if let r = s.invalidReason { byReason[r, default: 0] += 1 } }
        let valid = samples.count - byReason.values.reduce(0, +)
        return ValiditySummary(samples: samples.count, valid: valid, fraction: ratio(valid, samples.count), invalidByReason: byReason)
    }

    public static func uniqueness(_ samples: [JudgedSample]) -> UniquenessSummary {
        let valid = samples.filter(\.isValid)
        let identities = Set(valid.compactMap(\.identity))
        let strings = Set(valid.compactMap(\.standard))
        return UniquenessSummary(valid: valid.count, unique: identities.count, fraction: ratio(identities.count, valid.count),
                                 distinctStandards: strings.count)
    }

    public static func novelty(_ samples: [JudgedSample], trainingSet: Set<String>) -> NoveltySummary {
        let identities = Set(samples.filter(\.isValid).compactMap(\.identity))
        let novel = identities.subtracting(trainingSet).count
        return NoveltySummary(unique: identities.count, novel: novel, fraction: ratio(novel, identities.count),
                              trainingSetSize: trainingSet.count)
    }

    /// Table rows of the first `limit` distinct queried architectures, in sample order.
    public static func queriedRows(_ samples: [JudgedSample], limit: Int?) -> [Int] {
        var seen: Set<Int> = []
        var rows: [Int] = []
        for s in samples {
            if let limit, rows.count >= limit { break }
            guard s.isValid, let row = s.row, seen.insert(row).inserted else { continue }
            rows.append(row)
        }
        return rows
    }

    /// The k best of `rows` by a metric (ties: the earlier query first).
    public static func topK(_ rows: [Int], metric: String, k: Int, table: BenchmarkTable) throws -> [RankedArchitecture] {
        let info = try table.metric(named: metric)
        let values = try table.column(metric)
        let order = rows.enumerated().sorted { a, b in
            let va = values[a.element], vb = values[b.element]
            if va != vb { return info.direction.prefers(va, over: vb) }
            return a.offset < b.offset
        }
        return order.prefix(max(0, k)).map { ranked(row: $0.element, value: values[$0.element], table: table) }
    }

    /// Rows that satisfy every constraint.
    public static func feasibleRows(_ rows: [Int], constraints: [MetricConstraint], table: BenchmarkTable) throws -> [Int] {
        let columns = try constraints.map { try table.column($0.metric) }
        return rows.filter { row in zip(constraints, columns).allSatisfy { $0.isSatisfied(by: $1[row]) } }
    }

    static func ranked(row: Int, value: Double, table: BenchmarkTable) -> RankedArchitecture {
        RankedArchitecture(standard: table.standards[row], key: table.keys[row], value: value)
    }

    static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
}
