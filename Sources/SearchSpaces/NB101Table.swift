// NAS-Bench-101 tables, as `BenchmarkTable`s whose standard strings are pruned NB101 cells.
//
// 1. The NASLib sample, Data/naslib/zc_nasbench101.json (500 cells; Data/PROVENANCE.md). Each key
//    is "(a00, a01, …, a66, o0, …, o6)": the 7×7 adjacency row-major, then 7 NASLib op codes.
//    The matrices are NOT pruned (55 of them reduce to input → output), so every key is pruned
//    here; several keys then give the same cell, and their rows are kept as separate rows (NASLib
//    lists one training run per key, and the runs differ). Rows are sorted by key.
//    NASLib op codes: 0 input, 1 output, 2 maxpool3x3, 3 conv1x1-bn-relu, 4 conv3x3-bn-relu.
//    Checked on the data itself: input → op2 → output has exactly the parameters of input → output
//    (0.88257 M: a max-pool has no weights), and input → op4 → output has 10.18 M against 1.92 M for
//    op3 (a 3×3 convolution has 9× the weights of a 1×1).
// 2. The full benchmark converted by tools/convert_nb101.py (see that script for the CSV format).
//
// Metric names:
//   cifar10-valid   CIFAR-10 validation accuracy, %, higher is better
//   cifar10-test    CIFAR-10 test accuracy, %, higher is better (converted table only)
//   params          parameters in millions ("MB", as the NB201 table), lower is better
//   flops           MFLOPs, lower is better (NASLib sample only)
//   train-time      training time in s, lower is better (converted table only)

import Foundation

public enum NB101Table {
    public static let naslibFile = "naslib/zc_nasbench101.json"
    /// Where tools/convert_nb101.py puts the full benchmark, if a user has it.
    public static let convertedFile = "nb101/nb101.csv"

    static let validMetric = MetricInfo(name: "cifar10-valid", direction: .higherIsBetter, unit: "%",
                                        summary: "CIFAR-10 validation accuracy, 108 epochs")
    static let testMetric = MetricInfo(name: "cifar10-test", direction: .higherIsBetter, unit: "%",
                                       summary: "CIFAR-10 test accuracy, 108 epochs")
    static let paramsMetric = MetricInfo(name: "params", direction: .lowerIsBetter, unit: "MB",
                                         summary: "trainable parameters (millions)")
    static let flopsMetric = MetricInfo(name: "flops", direction: .lowerIsBetter, unit: "MFLOPs",
                                        summary: "FLOPs of the network (millions), as NASLib computed them")
    static let trainTimeMetric = MetricInfo(name: "train-time", direction: .lowerIsBetter, unit: "s",
                                            summary: "108-epoch training time")

    /// NASLib op code → NB101 node class (DiNAS order).
    static let naslibOpToClass = [NB101Space.NodeClass.input, NB101Space.NodeClass.output,
                                  NB101Space.NodeClass.maxpool3x3, NB101Space.NodeClass.conv1x1,
                                  NB101Space.NodeClass.conv3x3]

    // MARK: NASLib sample

    public static func loadNASLibSample(from data: DataLocator) throws -> BenchmarkTable {
        try loadNASLibSample(path: data.path(naslibFile))
    }

    public static func loadNASLibSample(path: String) throws -> BenchmarkTable {
        let entries = try NASLibJSON.entries(path: path, nesting: ["nasbench101", "cifar10"])
        let space = NB101Space()
        var standards: [String] = []
        var keys: [String] = []
        var columns: [[Double]] = [[], [], []]
        for (key, fields) in entries.sorted(by: { $0.key < $1.key }) {
            let raw: ArchGraph
            do { raw = try graph(naslibKey: key) } catch {
                throw DataFileError(file: path, problem: "key \(key): \(error)")
            }
            let standard: String
            do { standard = try space.decode(raw) } catch {
                throw DataFileError(file: path, problem: "key \(key) is not a valid NB101 cell: \(error)")
            }
            standards.append(standard)
            keys.append(key)
            for (m, field) in ["val_accuracy", "params", "flops"].enumerated() {
                guard let v = (fields[field] as? NSNumber)?.doubleValue, v.isFinite else {
                    throw DataFileError(file: path, problem: "key \(key): '\(field)' is missing or not a number")
                }
                columns[m].append(v)
            }
        }
        let valid = MetricInfo(name: validMetric.name, direction: .higherIsBetter, unit: "%",
                               summary: "CIFAR-10 validation accuracy, 108 epochs, one training run (NASLib zc_nasbench101.json)")
        return BenchmarkTable(space: space.name, standards: standards, keys: keys,
                              metrics: [valid, paramsMetric, flopsMetric], columns: columns)
    }

    /// A NASLib key "(a00, …, a66, o0, …, o6)" → the unpruned 7-node graph it describes.
    public static func graph(naslibKey key: String) throws -> ArchGraph {
        let body = key.filter { $0 != "(" && $0 != ")" && $0 != " " }
        let numbers = body.split(separator: ",").map { Int($0) }
        guard numbers.count == 56, numbers.allSatisfy({ $0 != nil }) else {
            throw SearchSpaceError.unparsable(space: "nb101", input: key,
                                              why: "a NASLib NB101 key is 49 adjacency bits then 7 op codes, 56 integers in all")
        }
        let values = numbers.map { $0! }
        guard values[..<49].allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw SearchSpaceError.unparsable(space: "nb101", input: key, why: "adjacency entries must be 0 or 1")
        }
        guard values[49...].allSatisfy({ (0..<naslibOpToClass.count).contains($0) }) else {
            throw SearchSpaceError.unparsable(space: "nb101", input: key,
                                              why: "op codes must be 0 input, 1 output, 2 maxpool3x3, 3 conv1x1-bn-relu, 4 conv3x3-bn-relu")
        }
        return ArchGraph(ops: values[49...].map { naslibOpToClass[$0] }, adjacency: values[..<49].map { $0 == 1 })
    }

    // MARK: converted full benchmark

    public static func loadConverted(from data: DataLocator) throws -> BenchmarkTable {
        try loadConverted(path: data.path(convertedFile))
    }

    /// Reads the CSV written by tools/convert_nb101.py: required columns `standard` and
    /// `val_accuracy`; optional `module_hash` (the row key), `test_accuracy`, `params_m`,
    /// `train_time_s`. Every standard string must already be the pruned, decoded form.
    public static func loadConverted(path: String) throws -> BenchmarkTable {
        let space = NB101Space()
        let csv = try CSVReader(path: path)
        let standardColumn = try csv.column(named: "standard")
        let keyColumn = csv.header.firstIndex(of: "module_hash")
        let metricColumns: [(column: Int, metric: MetricInfo)] =
            [("val_accuracy", validMetric), ("test_accuracy", testMetric), ("params_m", paramsMetric),
             ("train_time_s", trainTimeMetric)]
            .compactMap { name, metric in csv.header.firstIndex(of: name).map { ($0, metric) } }
        guard metricColumns.first?.metric == validMetric else {
            throw DataFileError(file: path, problem: "no 'val_accuracy' column; tools/convert_nb101.py writes one")
        }
        var standards: [String] = []
        var keys: [String] = []
        var columns = [[Double]](repeating: [], count: metricColumns.count)
        try csv.forEachRecord { record in
            let standard = record.string(standardColumn)
            guard let graph = try? space.encode(standard), (try? space.decode(graph)) == standard else {
                throw DataFileError(file: path, line: record.line, column: standardColumn + 1, columnName: "standard",
                                    problem: "'\(standard)' is not a pruned NB101 cell in standard form, e.g. '011,001,000|input,conv3x3-bn-relu,output'")
            }
            standards.append(standard)
            keys.append(keyColumn.map { record.string($0) } ?? String(standards.count - 1))
            for (m, entry) in metricColumns.enumerated() { columns[m].append(try record.double(entry.column)) }
        }
        return BenchmarkTable(space: space.name, standards: standards, keys: keys,
                              metrics: metricColumns.map(\.metric), columns: columns)
    }
}
