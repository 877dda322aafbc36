// Loads the NAS-Bench-201 table: Data/nb201/nb201_accuracy.csv joined with nb201_hardware.csv on
// arch_index (column meanings: Data/PROVENANCE.md).
//
// Metric names (stable; used by --metric, --constraint and in JSON):
//   accuracy, %, higher is better — 200-epoch NB201 results, mean over seeds:
//     cifar10-valid      CIFAR-10 validation accuracy of the cifar10-valid run (cifar10valid_valid_acc_200ep_mean)
//     cifar100           CIFAR-100 test accuracy, valid+test halves (cifar100_valtest_acc_200ep_mean)
//     imagenet16-120     ImageNet16-120 test accuracy, valid+test halves (imagenet16_valtest_acc_200ep_mean)
//   accuracy, %, higher is better — the 12-epoch schedule (NOT the 200-epoch results):
//     cifar10-test-12ep, cifar10-valid-12ep, cifar100-test-12ep, cifar100-valid-12ep,
//     imagenet16-120-test-12ep, imagenet16-120-valid-12ep
//   lower is better:
//     params-cifar10, params-cifar100, params-imagenet16-120          parameters, MB (millions)
//     train-time-cifar10, train-time-cifar100, train-time-imagenet16-120   200-epoch training time, s
//     lat-<device>       latency in ms, one per lat_ms_<device>_help column, underscores → hyphens:
//                        lat-pixel3, lat-raspi4, lat-eyeriss, lat-fpga, lat-1080ti-1, lat-1080ti-32,
//                        lat-1080ti-256, lat-titan-rtx-1, lat-gold-6226, lat-essential-ph-1, …
// The std/nseeds columns are not metrics.

public enum NB201Table {
    public static let accuracyFile = "nb201/nb201_accuracy.csv"
    public static let hardwareFile = "nb201/nb201_hardware.csv"

    /// CSV column → metric, for the fixed columns of the accuracy file.
    static let accuracyColumns: [(column: String, metric: MetricInfo)] = [
        ("cifar10valid_valid_acc_200ep_mean", acc("cifar10-valid", "CIFAR-10 validation accuracy (cifar10-valid split), 200 epochs, mean over seeds")),
        ("cifar100_valtest_acc_200ep_mean", acc("cifar100", "CIFAR-100 test accuracy (valid+test halves), 200 epochs, mean over seeds")),
        ("imagenet16_valtest_acc_200ep_mean", acc("imagenet16-120", "ImageNet16-120 test accuracy (valid+test halves), 200 epochs, mean over seeds")),
        ("cifar10_test_acc_12ep", acc("cifar10-test-12ep", "CIFAR-10 test accuracy after the 12-epoch schedule")),
        ("cifar10_val_acc_12ep", acc("cifar10-valid-12ep", "CIFAR-10 validation accuracy after the 12-epoch schedule")),
        ("cifar100_test_acc_12ep", acc("cifar100-test-12ep", "CIFAR-100 test accuracy after the 12-epoch schedule")),
        ("cifar100_val_acc_12ep", acc("cifar100-valid-12ep", "CIFAR-100 validation accuracy after the 12-epoch schedule")),
        ("imagenet_test_acc_12ep", acc("imagenet16-120-test-12ep", "ImageNet16-120 test accuracy after the 12-epoch schedule")),
        ("imagenet_val_acc_12ep", acc("imagenet16-120-valid-12ep", "ImageNet16-120 validation accuracy after the 12-epoch schedule")),
    ]

    /// CSV column → metric, for the fixed columns of the hardware file (latencies are found by name).
    static let hardwareColumns: [(column: String, metric: MetricInfo)] = [
        ("params_mb_cifar10", cost("params-cifar10", "MB", "parameters (millions), CIFAR-10 network (NATS-tss)")),
        ("params_mb_cifar100", cost("params-cifar100", "MB", "parameters (millions), CIFAR-100 network (NATS-tss)")),
        ("params_mb_imagenet16", cost("params-imagenet16-120", "MB", "parameters (millions), ImageNet16-120 network (NATS-tss)")),
        ("train_time_200ep_s_cifar10", cost("train-time-cifar10", "s", "200-epoch training time on CIFAR-10 (NATS-tss)")),
        ("train_time_200ep_s_cifar100", cost("train-time-cifar100", "s", "200-epoch training time on CIFAR-100 (NATS-tss)")),
        ("train_time_200ep_s_imagenet16", cost("train-time-imagenet16-120", "s", "200-epoch training time on ImageNet16-120 (NATS-tss)")),
    ]

    private static func acc(_ name: String, _ summary: String) -> MetricInfo {
        MetricInfo(name: name, direction: .higherIsBetter, unit: "%", summary: summary)
    }

    private static func cost(_ name: String, _ unit: String, _ summary: String) -> MetricInfo {
        MetricInfo(name: name, direction: .lowerIsBetter, unit: unit, summary: summary)
    }

    /// Latency metric name for a hardware-file column, or nil when the column is not a latency.
    static func latencyMetric(forColumn column: String) -> MetricInfo? {
        guard column.hasPrefix("lat_ms_"), column.hasSuffix("_help") else { return nil }
        let device = String(column.dropFirst("lat_ms_".count).dropLast("_help".count))
        let wholeMs = ["pixel2", "samsung_a50", "samsung_s7", "essential_ph_1"].contains(device)
        return MetricInfo(name: "lat-" + device.replacingAll("_", with: "-"), direction: .lowerIsBetter, unit: "ms",
                          summary: "inference latency on \(device) (HELP collection\(wholeMs ? "; whole milliseconds" : ""))")
    }

    /// Loads the table from the data folder.
    public static func load(from data: DataLocator) throws -> BenchmarkTable {
        try load(accuracyPath: data.path(accuracyFile), hardwarePath: data.path(hardwareFile))
    }

    public static func load(accuracyPath: String, hardwarePath: String) throws -> BenchmarkTable {
        let space = NB201Space()
        let accuracy = try CSVReader(path: accuracyPath)
        let indexColumn = try accuracy.column(named: "arch_index")
        let stringColumn = try accuracy.column(named: "arch_str")
        let accuracyRead = try accuracy.readColumns(numeric: try accuracyColumns.map { try accuracy.column(named: $0.column) },
                                                    text: [indexColumn, stringColumn])
        let rows = accuracyRead.rowCount
        // Every arch_str must be one of the space's cells, written exactly as `decode` writes it.
        let canonical = Set(space.allStandards())
        let standards = accuracyRead.texts[1]
        var keys: [Int] = []
        keys.reserveCapacity(rows)
        var rowOfIndex: [Int: Int] = [:]
        rowOfIndex.reserveCapacity(rows)
        for row in 0..<rows {
            let line = accuracyRead.lines[row]
            guard let index = Int(accuracyRead.texts[0][row]) else {
                throw DataFileError(file: accuracyPath, line: line, column: indexColumn + 1, columnName: "arch_index",
                                    problem: "'\(accuracyRead.texts[0][row])' is not an integer")
            }
            guard canonical.contains(standards[row]) else {
                throw DataFileError(file: accuracyPath, line: line, column: stringColumn + 1, columnName: "arch_str",
                                    problem: "'\(standards[row])' is not an NB201 arch string |op~0|+|op~0|op~1|+|op~0|op~1|op~2|")
            }
            guard rowOfIndex.updateValue(row, forKey: index) == nil else {
                throw DataFileError(file: accuracyPath, line: line, column: indexColumn + 1, columnName: "arch_index",
                                    problem: "arch_index \(index) appears twice")
            }
            keys.append(index)
        }

        let hardware = try CSVReader(path: hardwarePath)
        let hwIndexColumn = try hardware.column(named: "arch_index")
        let hwStringColumn = try hardware.column(named: "arch_str")
        var hardwareMetrics = try hardwareColumns.map { (index: try hardware.column(named: $0.column), metric: $0.metric) }
        for (c, name) in hardware.header.enumerated() {
            if let metric = latencyMetric(forColumn: name) { hardwareMetrics.append((c, metric)) }
        }
        let hardwareRead = try hardware.readColumns(numeric: hardwareMetrics.map(\.index), text: [hwIndexColumn, hwStringColumn])
        // Rows of the hardware file, reordered to the accuracy file's rows.
        var hardwareRowOf = [Int](repeating: -1, count: rows)
        for hwRow in 0..<hardwareRead.rowCount {
            let line = hardwareRead.lines[hwRow]
            guard let index = Int(hardwareRead.texts[0][hwRow]), let row = rowOfIndex[index] else {
                throw DataFileError(file: hardwarePath, line: line, column: hwIndexColumn + 1, columnName: "arch_index",
                                    problem: "arch_index '\(hardwareRead.texts[0][hwRow])' is not one of \(accuracyPath)")
            }
            guard hardwareRead.texts[1][hwRow] == standards[row] else {
                throw DataFileError(file: hardwarePath, line: line, column: hwStringColumn + 1, columnName: "arch_str",
                                    problem: "arch_str differs from the one for arch_index \(index) in \(accuracyPath)")
            }
            guard hardwareRowOf[row] < 0 else {
                throw DataFileError(file: hardwarePath, line: line, column: hwIndexColumn + 1, columnName: "arch_index",
                                    problem: "arch_index \(index) appears twice")
            }
            hardwareRowOf[row] = hwRow
        }
        if let missing = hardwareRowOf.firstIndex(of: -1) {
            throw DataFileError(file: hardwarePath, problem: "no row for arch_index \(keys[missing]), which \(accuracyPath) has")
        }

        let accuracyWidth = accuracyColumns.count, hardwareWidth = hardwareMetrics.count
        let columns = (0..<accuracyWidth).map { m in (0..<rows).map { accuracyRead.numbers[$0 * accuracyWidth + m] } }
            + (0..<hardwareWidth).map { m in (0..<rows).map { hardwareRead.numbers[hardwareRowOf[$0] * hardwareWidth + m] } }
        return BenchmarkTable(space: space.name, standards: standards, keys: keys.map(String.init),
                              metrics: accuracyColumns.map(\.metric) + hardwareMetrics.map(\.metric), columns: columns)
    }
}

extension String {
    /// Foundation-free replacement of every occurrence of one character.
    func replacingAll(_ old: Character, with new: Character) -> String {
        String(map { $0 == old ? new : $0 })
    }
}
