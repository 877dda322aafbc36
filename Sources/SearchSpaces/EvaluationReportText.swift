// The report as a plain-text table for a terminal.

import Foundation

extension EvaluationReport {
    public func renderText() -> String {
        var out: [String] = []
        func row(_ label: String, _ text: String) { out.append(label.padding(toLength: 20, withPad: " ", startingAt: 0) + text) }
        func pct(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
        func num(_ x: Double) -> String {
            if x == x.rounded(), abs(x) < 1e9 { return String(Int(x)) }
            return String(format: abs(x) >= 100 ? "%.1f" : "%.4g", x)
        }

        out.append("space \(space): \(validity.samples) samples" + (malformedLines.isEmpty ? "" : ", \(malformedLines.count) malformed line(s) skipped"))
        for m in malformedLines.prefix(10) { out.append("  line \(m.line): \(m.problem)") }
        if malformedLines.count > 10 { out.append("  … \(malformedLines.count - 10) more") }

        let reasons = validity.invalidByReason.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        row("validity", "\(validity.valid)/\(validity.samples)  \(pct(validity.fraction))" + (reasons.isEmpty ? "" : "   invalid: \(reasons)"))
        row("uniqueness", "\(uniqueness.unique)/\(uniqueness.valid)  \(pct(uniqueness.fraction))   (isomorphism-aware; \(uniqueness.distinctStandards) distinct strings)")
        if let novelty {
            row("novelty", "\(novelty.novel)/\(novelty.unique)  \(pct(novelty.fraction))   (training set: \(novelty.trainingSetSize) identities)")
        } else {
            row("novelty", "n/a (no training set given)")
        }

        if let q = queries {
            let unit = q.metric.unit.isEmpty ? "" : " \(q.metric.unit)"
            let budget = q.limit.map { "first \($0) queries" } ?? "all queries"
            out.append("")
            row("metric", "\(q.metric.name) (\(q.metric.direction.rawValue)\(unit.isEmpty ? "" : ",\(unit)")), \(budget): \(q.queried) distinct architectures looked up"
                + (q.validNotInTable > 0 ? ", \(q.validNotInTable) valid samples not in the table" : ""))
            if let best = q.best {
                row("best", "\(num(best.value))\(unit)   key \(best.key)   \(best.standard)")
            } else {
                row("best", "none (no valid sample found in the table)")
            }
            row("table best", "\(num(q.tableBest.value))\(unit)   key \(q.tableBest.key)   \(q.tableBest.standard)")
            if q.topK.count > 1 {
                out.append("top-\(q.topK.count)")
                let keyWidth = max(3, q.topK.map(\.key.count).max() ?? 3)
                for (i, a) in q.topK.enumerated() {
                    out.append("  \(String(i + 1).leftPadded(3))  \(num(a.value).leftPadded(9))  \(a.key.padding(toLength: keyWidth, withPad: " ", startingAt: 0))  \(a.standard)")
                }
            }

            if let f = feasibility {
                out.append("")
                row("constraints", f.constraints.map(\.description).joined(separator: " AND "))
                row("feasible", "\(f.feasible)/\(f.queried) queried  \(pct(f.fraction))   (table: \(f.tableFeasible) architectures)")
                if let b = f.bestFeasible {
                    row("best feasible", "\(num(b.value))\(unit)   key \(b.key)   \(b.standard)")
                } else {
                    row("best feasible", "none")
                }
                if let t = f.tableBestFeasible { row("table best feasible", "\(num(t.value))\(unit)   key \(t.key)   \(t.standard)") }
            }
        }

        if let p = pareto {
            out.append("")
            row("pareto", "\(p.value.name) (\(p.value.direction.rawValue)) vs \(p.cost.name) (\(p.cost.direction.rawValue))")
            row("reference", "\(p.cost.name) \(num(p.referenceCost)), \(p.value.name) \(num(p.referenceValue))  (the table's worst of each)")
            row("hypervolume", "samples \(num(p.sampleHypervolume)), table \(num(p.tableHypervolume)), ratio \(String(format: "%.3f", p.hypervolumeRatio))")
            row("front", "samples \(p.sampleFront.count) points, table \(p.tableFront.count) points")
            for point in p.sampleFront.prefix(20) {
                out.append("  \(p.cost.name) \(num(point.cost).leftPadded(8))  \(p.value.name) \(num(point.value).leftPadded(8))  key \(point.key ?? String(point.row))")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
