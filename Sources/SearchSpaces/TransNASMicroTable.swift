// Loads the TransNAS-Bench-101 micro table: Data/transnas101/transnas101_micro_val_acc.csv, one row
// per NASLib arch tuple (4,096), one validation score per task (Data/PROVENANCE.md).
//
// Metric names: the task names with underscores → hyphens. All are NASLib "val_accuracy" values and
// higher is better; room-layout is a negated loss (NASLib's convention), hence negative.
//   class-scene, class-object   top-1 accuracy, %
//   jigsaw                       accuracy, %
//   segmentsemantic              validation score of semantic segmentation as NASLib reports it
//   room-layout                  −(L2 loss)
//   normal, autoencoder          SSIM

public enum TransNASMicroTable {
    public static let file = "transnas101/transnas101_micro_val_acc.csv"

    static let taskColumns: [(column: String, metric: MetricInfo)] = [
        ("class_scene", .init(name: "class-scene", direction: .higherIsBetter, unit: "%", summary: "scene classification top-1 validation accuracy")),
        ("class_object", .init(name: "class-object", direction: .higherIsBetter, unit: "%", summary: "object classification top-1 validation accuracy")),
        ("jigsaw", .init(name: "jigsaw", direction: .higherIsBetter, unit: "%", summary: "jigsaw puzzle validation accuracy")),
        ("segmentsemantic", .init(name: "segmentsemantic", direction: .higherIsBetter, unit: "", summary: "semantic segmentation validation score (NASLib val_accuracy)")),
        ("room_layout", .init(name: "room-layout", direction: .higherIsBetter, unit: "", summary: "room layout: negated validation L2 loss (NASLib val_accuracy)")),
        ("normal", .init(name: "normal", direction: .higherIsBetter, unit: "", summary: "surface normal: validation SSIM")),
        ("autoencoder", .init(name: "autoencoder", direction: .higherIsBetter, unit: "", summary: "autoencoding: validation SSIM")),
    ]

    public static func load(from data: DataLocator) throws -> BenchmarkTable {
        try load(path: data.path(file))
    }

    public static func load(path: String) throws -> BenchmarkTable {
        let space = TransNASMicroSpace()
        let csv = try CSVReader(path: path)
        let keyColumn = try csv.column(named: "naslib_arch_tuple")
        let read = try csv.readColumns(numeric: try taskColumns.map { try csv.column(named: $0.column) }, text: [keyColumn])
        // The key must be one of the space's cells written exactly as `decode` writes it, so table
        // lookups by standard string are exact.
        let canonical = Set(space.allStandards())
        var seen: Set<String> = []
        for (row, key) in read.texts[0].enumerated() {
            guard canonical.contains(key) else {
                throw DataFileError(file: path, line: read.lines[row], column: keyColumn + 1, columnName: "naslib_arch_tuple",
                                    problem: "'\(key)' is not a tuple of the form \"(a, b, c, d, e, f)\" with digits 0…3")
            }
            guard seen.insert(key).inserted else {
                throw DataFileError(file: path, line: read.lines[row], column: keyColumn + 1, columnName: "naslib_arch_tuple",
                                    problem: "'\(key)' appears twice")
            }
        }
        let width = taskColumns.count
        let columns = (0..<width).map { m in (0..<read.rowCount).map { read.numbers[$0 * width + m] } }
        return BenchmarkTable(space: space.name, standards: read.texts[0], keys: read.texts[0],
                              metrics: taskColumns.map(\.metric), columns: columns)
    }
}
