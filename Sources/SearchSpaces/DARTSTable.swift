// The NAS-Bench-301 / DARTS sample from NASLib, Data/naslib/zc_nasbench301.json (725 genotypes;
// Data/PROVENANCE.md), as a `BenchmarkTable`.
//
// Keys are NASLib's compact form "[[(source, opCode), …8], […8]]" (see DARTSOp for the op codes).
// The standard string of a row is the CANONICAL genotype (each node's inputs sorted), which is also
// what `DARTSSpace.identity` returns, so `row(ofStandard: space.identity(graph))` finds a generated
// architecture whatever order it lists a node's inputs in. The key keeps NASLib's own order (about
// half of its pairs are listed with the larger source first). Rows are in NASLib's `idx` order.
//
// Metric names:
//   cifar10-valid   CIFAR-10 validation accuracy, % (NASLib val_accuracy), higher is better
//   params          parameters in millions ("MB", as the NB201 table), lower is better
//   flops           MFLOPs, lower is better

import Foundation

public enum DARTSTable {
    public static let naslibFile = "naslib/zc_nasbench301.json"

    public static func loadNASLibSample(from data: DataLocator) throws -> BenchmarkTable {
        try loadNASLibSample(path: data.path(naslibFile))
    }

    public static func loadNASLibSample(path: String) throws -> BenchmarkTable {
        let entries = try NASLibJSON.entries(path: path, nesting: ["cifar10"])
        let space = DARTSSpace()
        var rows: [(index: Int, key: String, standard: String, values: [Double])] = []
        for (key, fields) in entries {
            let genotype: DARTSGenotype
            do { genotype = try DARTSGenotype.parse(key) } catch {
                throw DataFileError(file: path, problem: "key \(key): \(error)")
            }
            if let reason = genotype.invalidReason() {
                throw DataFileError(file: path, problem: "key \(key) is not a DARTS genotype: \(reason.detail)")
            }
            guard let index = (fields["idx"] as? String).flatMap({ Int($0) }) ?? (fields["idx"] as? NSNumber)?.intValue else {
                throw DataFileError(file: path, problem: "key \(key): 'idx' is missing or not an integer")
            }
            var values: [Double] = []
            for field in ["val_accuracy", "params", "flops"] {
                // NASLib stores val_accuracy as a number and params/flops as {"score": …, "time": …}.
                let raw = (fields[field] as? [String: Any])?["score"] ?? fields[field]
                guard let v = (raw as? NSNumber)?.doubleValue, v.isFinite else {
                    throw DataFileError(file: path, problem: "key \(key): '\(field)' is missing or not a number")
                }
                values.append(v)
            }
            rows.append((index, key, genotype.canonical.description, values))
        }
        rows.sort { $0.index < $1.index }
        let metrics = [
            MetricInfo(name: "cifar10-valid", direction: .higherIsBetter, unit: "%",
                       summary: "CIFAR-10 validation accuracy (NASLib zc_nasbench301.json val_accuracy)"),
            MetricInfo(name: "params", direction: .lowerIsBetter, unit: "MB",
                       summary: "parameters (millions) of the NB301 evaluation network, as NASLib computed them"),
            MetricInfo(name: "flops", direction: .lowerIsBetter, unit: "MFLOPs",
                       summary: "FLOPs (millions) of the NB301 evaluation network, as NASLib computed them"),
        ]
        let columns = (0..<metrics.count).map { m in rows.map { $0.values[m] } }
        return BenchmarkTable(space: space.name, standards: rows.map(\.standard), keys: rows.map(\.key),
                              metrics: metrics, columns: columns)
    }
}
