import XCTest
@testable import Compute
import Diffusion
import Model
@testable import Search
import SearchSpaces

/// The search loop on NB201 with the table evaluator: values are the table's, no cell is evaluated
/// twice, evolution's children are one mutation from the population, the predictor's ranking picks the
/// best-predicted unseen cells, a stopped run resumes without losing or repeating anything, and bad
/// settings are refused in one line.
final class SearchRunTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let checkpointPath = repository.appendingPathComponent("Models/nb201-small.safetensors").path
    static let diffusion: (Checkpoint, GraphTransformer) = try! Checkpoint.read(from: checkpointPath)
    static let table: BenchmarkTable = try! SpaceRegistry.entry(named: "nb201").loadTable!(try! DataLocator.locate())
    let space = NB201Space()
    /// PoCL where there is OpenCL (the debug build's Swift twin is ten times slower), else the twin.
    static let device: Device = (try? OpenCLDiscovery.devices())?.first.flatMap { try? Device(openCL: $0) } ?? Device()

    func tmp(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "nasdiff-search-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func settings(_ strategy: SearchStrategyKind, budget: Int, perRound: Int = 10, metric: String = "cifar100") -> SearchSettings {
        var s = SearchSettings(checkpoint: Self.checkpointPath, space: "nb201", metric: metric, direction: .higherIsBetter,
                               strategy: strategy, evaluator: "table", budget: budget)
        s.perRound = perRound
        s.seed = 3
        return s
    }

    func makeRun(_ s: SearchSettings, _ dir: String, resume: Bool = false) throws -> SearchRun {
        try SearchRun(settings: s, execution: SearchExecution(), directory: dir, resume: resume, device: Self.device,
                      checkpoint: Self.diffusion.0, model: Self.diffusion.1, table: Self.table)
    }

    func run(_ search: SearchRun, stopAfter: Int? = nil) throws {
        let counter = StopAfter(stopAfter)
        try search.run(phase: { _ in counter.tick(search.records.count) }, roundFinished: { _ in }, stopRequested: { counter.stop })
    }

    /// Every value is the table's value of the cell's own row, and the identities are all different.
    func assertTableValuesAndDistinct(_ records: [EvaluationRecord], file: StaticString = #filePath, line: UInt = #line) throws {
        let column = try Self.table.column("cifar100")
        for r in records {
            XCTAssertEqual(r.status, .ok, file: file, line: line)
            let row = try XCTUnwrap(Self.table.row(ofStandard: r.candidate.arch), file: file, line: line)
            XCTAssertEqual(r.value, column[row], file: file, line: line)
            XCTAssertEqual(space.identity(r.candidate.graph), r.candidate.identity, file: file, line: line)
        }
        XCTAssertEqual(Set(records.map(\.candidate.identity)).count, records.count, "no cell twice", file: file, line: line)
        XCTAssertEqual(records.map(\.n), Array(1...records.count), file: file, line: line)
    }

    func testRandomSearchLooksUpTheTableAndSummarises() throws {
        let dir = tmp("random")
        let search = try makeRun(settings(.random, budget: 30), dir)
        try run(search)
        XCTAssertEqual(search.records.count, 30)
        try assertTableValuesAndDistinct(search.records)
        // The summary against a direct computation.
        let summary = search.summary
        let values = search.records.map { $0.value! }
        XCTAssertEqual(summary.bestAt["10"], values.prefix(10).max())
        XCTAssertEqual(summary.bestAt["20"], values.prefix(20).max())
        XCTAssertNil(summary.bestAt["50"])
        XCTAssertEqual(summary.best, values.max())
        let bestRow = try Self.table.bestRow("cifar100")
        XCTAssertEqual(summary.optimum, try Self.table.value("cifar100", row: bestRow))
        let optimumID = space.identity(try space.encode(Self.table.standards[bestRow]))
        XCTAssertEqual(summary.evaluationsToOptimum, search.records.first { $0.candidate.identity == optimumID }?.n)
        // The files a user reads.
        let csv = try String(contentsOfFile: "\(dir)/curve.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 31)
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/curve.svg", encoding: .utf8).hasPrefix("<svg"))
    }

    func testEvolutionChildrenAreOneMutationFromThePopulation() throws {
        let search = try makeRun(settings(.evolution, budget: 60), tmp("evolution"))
        try run(search)
        try assertTableValuesAndDistinct(search.records)
        let records = search.records
        for r in records where r.candidate.source == "mutation" {
            // Its population: the 20 values before its round began.
            let before = records.filter { $0.round < r.round }.suffix(EvolutionProposer.population)
            XCTAssertEqual(before.count, EvolutionProposer.population)
            let oneAway = before.contains { p in zip(p.candidate.ops, r.candidate.ops).filter { $0 != $1 }.count == 1 }
            XCTAssertTrue(oneAway, "\(r.candidate.arch) is not one op from any of its population")
        }
        XCTAssertEqual(records.prefix(20).filter { $0.candidate.source == "random" }.count, 20, "the first population is random")
        XCTAssertGreaterThan(records.filter { $0.candidate.source == "mutation" }.count, 30)
    }

    /// The second round's cells are the predictor's best among all unseen cells of the table: the saved
    /// predictor, run again over the whole table, is the oracle.
    func testPredictorRankTakesTheBestPredictedUnseenCells() throws {
        var s = settings(.predictorRank, budget: 20)
        s.firstFitSteps = 30
        let dir = tmp("rank")
        let search = try makeRun(s, dir)
        try run(search)
        try assertTableValuesAndDistinct(search.records)
        let predictor = try Predictor.read(from: "\(dir)/predictor.safetensors")
        let pool = CellPool(space: space, table: Self.table)
        let predicted = try predictor.predict(pool.graphs.map { GraphTensors($0, n: space.maxNodes) }, t: 0, noise: Self.diffusion.0.record, device: Self.device)
        let first = Set(search.records.prefix(10).map(\.candidate.identity))
        let expected = pool.graphs.indices.filter { !first.contains(pool.identities[$0]) }.sorted { predicted[$0] > predicted[$1] }.prefix(10)
        XCTAssertEqual(Set(search.records.suffix(10).map(\.candidate.identity)), Set(expected.map { pool.identities[$0] }))
        for r in search.records.suffix(10) { XCTAssertEqual(r.candidate.source, "ranked"); XCTAssertNotNil(r.candidate.predicted) }
    }

    /// A short diffusion search: the first round is the model's own samples, later rounds are guided and
    /// carry the predictor's value; every cell valid, new and the table's.
    func testDiffusionRoundsSampleThenGuide() throws {
        var s = settings(.diffusion, budget: 9, perRound: 3)
        s.candidates = 12; s.samplingSteps = 4; s.firstFitSteps = 20; s.refitSteps = 5
        let search = try makeRun(s, tmp("diffusion"))
        try run(search)
        try assertTableValuesAndDistinct(search.records)
        XCTAssertEqual(search.records.count, 9)
        XCTAssertTrue(search.records.prefix(3).allSatisfy { ["sample", "fill"].contains($0.candidate.source) && $0.candidate.predicted == nil })
        XCTAssertTrue(search.records.suffix(6).allSatisfy { ["guided", "fill"].contains($0.candidate.source) })
        XCTAssertTrue(search.records.suffix(6).contains { $0.candidate.source == "guided" && $0.candidate.predicted != nil })
    }

    /// Stopped in the middle of a round, then resumed with a larger budget: the first evaluations stay as
    /// they were (bytes), the round's plan is finished before a new one starts, nothing is repeated.
    func testResumeKeepsEveryEvaluationAndRepeatsNone() throws {
        let dir = tmp("resume")
        try run(try makeRun(settings(.random, budget: 20), dir), stopAfter: 13)
        let before = try String(contentsOfFile: "\(dir)/evaluations.jsonl", encoding: .utf8)
        let kept = try JSONLinesFile<EvaluationRecord>.read(path: "\(dir)/evaluations.jsonl").lines
        XCTAssertEqual(kept.count, 13)
        let resumed = try makeRun(settings(.random, budget: 30), dir, resume: true)
        XCTAssertEqual(resumed.records, kept)
        try run(resumed)
        XCTAssertEqual(resumed.records.count, 30)
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/evaluations.jsonl", encoding: .utf8).hasPrefix(before))
        try assertTableValuesAndDistinct(resumed.records)
        // Round 2's plan was finished (its 7 remaining cells) before round 3 began.
        let plans = try JSONLinesFile<RoundPlan>.read(path: "\(dir)/rounds.jsonl").lines
        XCTAssertEqual(plans.map(\.round), [1, 2, 3])
        XCTAssertEqual(Set(resumed.records.filter { $0.round == 2 }.map(\.candidate)), Set(plans[1].candidates))
        XCTAssertEqual(resumed.records.filter { $0.round == 2 }.count, 10)
    }

    func testBadSettingsAreOneLine() throws {
        let dir = tmp("bad")
        func assertError(_ body: @autoclosure () throws -> Any, _ prefix: String, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { error in
                XCTAssertTrue("\(error)".hasPrefix(prefix), "\(error)", line: line)
                XCTAssertFalse("\(error)".contains("\n"), line: line)
            }
        }
        assertError(try makeRun(settings(.random, budget: 5), dir), "--budget: 5 is below one round (--per-round 10)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir), "nothing written")
        assertError(try makeRun(settings(.random, budget: 20), dir, resume: true), "\(dir): holds no search to resume")
        try run(try makeRun(settings(.random, budget: 10), dir))
        assertError(try makeRun(settings(.random, budget: 20), dir), "\(dir): holds a search already; give --resume")
        assertError(try makeRun(settings(.evolution, budget: 20), dir, resume: true), "--resume \(dir): this run's --strategy 'evolution' (the directory was made with 'random')")
        assertError(try makeRun(settings(.random, budget: 20, metric: "cifar10-valid"), dir, resume: true), "--resume \(dir): this run's --metric 'cifar10-valid'")
        var conditioned = settings(.random, budget: 20)
        conditioned.conditions = ["cifar10-valid"]
        assertError(try conditioned.validate(), "--condition: only the diffusion strategy samples under conditions")
    }

    /// A line cut short by kill -9 is dropped, and cut off the file before the next append.
    func testTornLastLineIsDroppedAndOverwritten() throws {
        let path = tmp("lines.jsonl")
        let a = RoundPlan(round: 1, candidates: []), b = RoundPlan(round: 2, candidates: [])
        let file = try JSONLinesFile<RoundPlan>(path: path)
        try file.append(a)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"round\": 7, \"cand".utf8))
        try handle.close()
        XCTAssertEqual(try JSONLinesFile<RoundPlan>.read(path: path).lines, [a])
        try JSONLinesFile<RoundPlan>(path: path).append(b)
        XCTAssertEqual(try JSONLinesFile<RoundPlan>.read(path: path).lines, [a, b])
        // A broken line in the middle is not a torn write: it is reported, with its number.
        try "{\"round\": 1, \"candidates\": []}\nnot json\n{\"round\": 2, \"candidates\": []}\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try JSONLinesFile<RoundPlan>.read(path: path)) { XCTAssertTrue("\($0)".contains("line 2"), "\($0)") }
    }
}

/// Requests a stop once `limit` evaluations are recorded (nil: never).
final class StopAfter: @unchecked Sendable {
    let limit: Int?
    private let lock = NSLock()
    private var requested = false
    init(_ limit: Int?) { self.limit = limit }
    func tick(_ count: Int) { if let limit, count >= limit { lock.lock(); requested = true; lock.unlock() } }
    var stop: Bool { lock.lock(); defer { lock.unlock() }; return requested }
}
