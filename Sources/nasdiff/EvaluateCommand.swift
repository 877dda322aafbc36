// `nasdiff evaluate`: a thin shell over SearchSpaces.Evaluation — read JSON lines, load the space's
// table, print the report, optionally write it as JSON and plot the trade-off as SVG.

import ArgumentParser
import Foundation
import SearchSpaces

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure generated architectures: validity, uniqueness, novelty, best and top-k, feasibility, Pareto front.",
        discussion: """
        SAMPLES is a JSON-lines file, one architecture per line: {"arch": "<standard string>"}, or the raw \
        graph {"ops": [...], "adjacency": [[...], ...]} for graphs that may be invalid. Malformed lines are \
        reported with their line number and skipped.

        Examples:
          nasdiff evaluate samples.jsonl --space nb201 --metric cifar10-valid --queries 192
          nasdiff evaluate samples.jsonl --space nb201 --constraint "lat-pixel3<=5" --plot front.svg --json report.json
        Run `nasdiff spaces` for the spaces and the metric names of each table.
        """)

    @Argument(help: "JSON-lines file of generated architectures; '-' reads standard input.")
    var samples: String

    @Option(help: "Search space (see `nasdiff spaces`), e.g. nb201, transnas-micro, nb101.")
    var space: String

    @Option(help: "Metric for best/top-k and the value axis of the front (default: the table's first metric).")
    var metric: String?

    @Option(name: .customLong("top-k"), help: "How many of the best queried architectures to list.")
    var topK: Int = 5

    @Option(help: "Query budget N: only the first N distinct architectures looked up count (default: all).")
    var queries: Int?

    @Option(help: ArgumentHelp("Feasibility bound METRIC<=NUMBER (also <, >=, >), e.g. \"lat-pixel3<=5\"; repeat to combine with AND.",
                               valueName: "bound"))
    var constraint: [String] = []

    @Option(help: "Cost metric of the Pareto front, minimised against --metric (default: the first --constraint's metric).")
    var pareto: String?

    @Option(help: "Training set for novelty: JSON lines as SAMPLES, or one standard string per line.")
    var training: String?

    @Flag(name: .customLong("training-table"), help: "Use every architecture of the benchmark table as the training set.")
    var trainingTable = false

    @OptionGroup var dataOption: DataOption

    @Option(name: .customLong("json"), help: ArgumentHelp("Also write the report as JSON to this file.", valueName: "out.json"))
    var jsonOut: String?

    @Option(name: .customLong("plot"), help: ArgumentHelp("Also write an SVG of the table, the samples and the Pareto front.", valueName: "out.svg"))
    var plotOut: String?

    func validate() throws {
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, got \(topK)") }
        if let queries, queries < 1 { throw ValidationError("--queries must be at least 1, got \(queries)") }
        if training != nil, trainingTable { throw ValidationError("give --training FILE or --training-table, not both") }
        for c in constraint {
            do { _ = try MetricConstraint(parsing: c) } catch { throw ValidationError("--constraint: \(error)") }
        }
        if plotOut != nil, pareto == nil, constraint.isEmpty {
            throw ValidationError("--plot needs a cost axis: give --pareto METRIC (e.g. lat-pixel3) or a --constraint")
        }
    }

    func run() throws {
        let entry = try SpaceRegistry.entry(named: space)
        let lines = try readLines(samples, what: "samples")
        let constraints = try constraint.map { try MetricConstraint(parsing: $0) }

        let wantsTable = metric != nil || !constraints.isEmpty || pareto != nil || plotOut != nil || trainingTable
        var table: BenchmarkTable? = nil
        if let load = entry.loadTable {
            do {
                table = try load(try dataOption.locate())
            } catch where !wantsTable {
                // Validity, uniqueness and novelty need no table: say why the rest is missing, go on.
                FileHandle.standardError.write(Data("warning: no benchmark table (\(error)); reporting validity, uniqueness and novelty only\n".utf8))
            }
        } else if wantsTable {
            throw ValidationError("space '\(entry.space.name)' has no benchmark table, so --metric, --constraint, --pareto, --plot and --training-table cannot be used")
        }

        var trainingSet: Set<String>? = nil
        if let training {
            let result = Evaluation.trainingIdentities(space: entry.space, lines: try readLines(training, what: "training set"))
            if result.skipped > 0 {
                FileHandle.standardError.write(Data("warning: \(result.skipped) line(s) of \(training) are not valid \(entry.space.name) architectures and were skipped\n".utf8))
            }
            trainingSet = result.identities
        } else if trainingTable, let table {
            trainingSet = Evaluation.tableIdentities(space: entry.space, table: table)
        }

        let conditions = EvaluationConditions(metric: metric, topK: topK, queries: queries, constraints: constraints, paretoCost: pareto)
        let report = try Evaluation.run(space: entry.space, table: table, lines: lines, trainingSet: trainingSet, conditions: conditions)
        print(report.renderText(), terminator: "")

        if let jsonOut {
            try writeAtomically(String(decoding: try report.jsonData(), as: UTF8.self), to: jsonOut, flag: "--json")
        }
        if let plotOut, let table {
            try writeAtomically(try TradeOffPlot.svg(report: report, table: table), to: plotOut, flag: "--plot")
        }
        // A file of which no line parses is the wrong file: a script must not read its empty report as a result.
        if report.validity.samples == 0, !report.malformedLines.isEmpty {
            throw CommandError("\(samples): none of its \(report.malformedLines.count) non-empty line(s) is a sample (see above)")
        }
    }

    private func readLines(_ path: String, what: String) throws -> [String] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CommandError("cannot read the \(what) file '\(path)' (missing or unreadable)")
            }
            data = contents
        }
        return String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
    }
}
