import XCTest
@testable import Search
import SearchSpaces

/// The user's evaluation command: placeholders are quoted, results are read from the last JSON line,
/// a command that fails, hangs or prints garbage is retried once and recorded, a timeout stops every
/// process the command started, and commands run side by side up to --parallel.
final class CommandEvaluatorTests: XCTestCase {
    let space = NB201Space()

    func tmp(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "nasdiff-cmd-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// NB201 cells whose first edge op picks the script's behaviour.
    func item(_ firstOp: String, _ position: Int) throws -> EvaluationItem {
        let arch = "|\(firstOp)~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|"
        return EvaluationItem(round: 1, position: position, candidate: try Candidate(graph: try space.encode(arch), space: space, source: "test"))
    }

    func evaluate(_ items: [EvaluationItem], command: String, dir: String, parallel: Int = 4, timeout: Double? = nil) throws -> [Int: EvaluationOutcome] {
        var execution = SearchExecution()
        execution.parallel = parallel
        execution.timeout = timeout
        let evaluator = try CommandEvaluator(command: command, metric: "score", space: "nb201", directory: dir, seed: 0, execution: execution)
        var outcomes: [Int: EvaluationOutcome] = [:]
        try evaluator.evaluate(items, finished: { outcomes[$0] = $1 }, stopRequested: { false })
        return outcomes
    }

    func testFailuresHangsAndGarbageAreRetriedOnceAndRecorded() throws {
        let dir = tmp("modes")
        let script = "\(dir)/evaluate.sh"
        // The arch's first op picks the behaviour; every start is counted in calls.log; a hang leaves a
        // background child whose pid is written down, to check the timeout stops it too.
        try """
        echo "$1" >> "\(dir)/calls.log"
        case "$1" in
          "|none~"*) sleep 30 & echo $! > "\(dir)/child.pid"; wait ;;
          "|skip_connect~"*) echo "training diverged" >&2; exit 3 ;;
          "|avg_pool_3x3~"*) echo "loss 0.1"; echo '{"score": "high"}' ;;
          *) echo "epoch 1"; echo '{"score": 91.5, "params": 1}'; echo "done" ;;
        esac
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let items = try ["none", "skip_connect", "avg_pool_3x3", "nor_conv_3x3"].enumerated().map { try item($1, $0) }
        let start = Date()
        let outcomes = try evaluate(items, command: "sh \(script) {arch}", dir: dir, timeout: 1)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "the hang was stopped by the timeout")
        XCTAssertEqual(outcomes[0]?.status, .timeout)
        XCTAssertEqual(outcomes[1]?.status, .failed)
        XCTAssertTrue(outcomes[1]?.error?.contains("exited(3)") ?? false, "\(String(describing: outcomes[1]?.error))")
        XCTAssertEqual(outcomes[2]?.status, .failed)
        XCTAssertTrue(outcomes[2]?.error?.contains("no finite number 'score'") ?? false, "\(String(describing: outcomes[2]?.error))")
        XCTAssertEqual(outcomes[3], EvaluationOutcome(status: .ok, value: 91.5, seconds: outcomes[3]!.seconds, attempts: 1))
        for i in 0..<3 { XCTAssertEqual(outcomes[i]?.attempts, 2, "retried once") }
        let calls = try String(contentsOfFile: "\(dir)/calls.log", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(calls.count, 7, "three failures twice, one success once")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/logs/r1c01.2.err"), "each attempt has its logs")
        // The hang's background child is gone: the timeout stopped the command's whole process group.
        let pid = Int32(try String(contentsOfFile: "\(dir)/child.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        var gone = false
        for _ in 0..<50 where !gone { gone = kill(pid, 0) != 0; if !gone { usleep(100_000) } }
        XCTAssertTrue(gone, "the timed-out command's child \(pid) still runs")
    }

    func testPlaceholdersAreQuotedAndTheJSONFileHoldsTheCell() throws {
        let dir = tmp("placeholders")
        let script = "\(dir)/echo.sh"
        // Prints its arguments one per line as JSON strings, then the score: what the command received.
        try """
        python3 -c 'import json,sys; a=json.load(open(sys.argv[2])); print(json.dumps({"args": sys.argv[1:], "json": a, "score": 1}))' "$@"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let one = try item("nor_conv_1x1", 5)
        _ = try evaluate([one], command: "sh \(script) {arch} {json} {id} {round} {seed} {dir}", dir: dir)
        let out = try String(contentsOfFile: "\(dir)/logs/r1c05.out", encoding: .utf8)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertEqual(object["args"] as? [String], [one.candidate.arch, "\(dir)/candidates/r1c05.json", "r1c05", "1", "0", dir])
        let json = try XCTUnwrap(object["json"] as? [String: Any])
        XCTAssertEqual(json["arch"] as? String, one.candidate.arch)
        XCTAssertEqual(json["ops"] as? [Int], one.candidate.ops)
        XCTAssertEqual(json["space"] as? String, "nb201")
    }

    func testParallelRunsCommandsSideBySide() throws {
        let dir = tmp("parallel")
        let items = try ["nor_conv_3x3", "nor_conv_1x1", "skip_connect", "avg_pool_3x3"].enumerated().map { try item($1, $0) }
        let command = "sleep 1; echo '{\"score\": 1}' # {arch}"
        let start = Date()
        let outcomes = try evaluate(items, command: command, dir: dir, parallel: 4)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(outcomes.values.filter { $0.status == .ok }.count, 4)
        XCTAssertLessThan(elapsed, 3.5, "four 1-second commands with --parallel 4 took \(elapsed) s")
    }

    func testBadCommandsAreRefusedBeforeAnythingRuns() {
        func assertRefused(_ command: String, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try CommandEvaluator.check(command), line: line) { XCTAssertEqual("\($0)", message, line: line) }
        }
        assertRefused("no-such-program-xyz --arch {arch}", "--evaluate-cmd: 'no-such-program-xyz' is not a program on PATH")
        assertRefused("/no/such/file {arch}", "--evaluate-cmd: '/no/such/file' is not an executable file")
        assertRefused("python3 train.py {architecture}", "--evaluate-cmd: unknown placeholder {architecture}; known: {arch}, {json}, {id}, {round}, {seed}, {dir}")
        assertRefused("python3 train.py", "--evaluate-cmd: the command must name the candidate with {arch} or {json}")
        XCTAssertNoThrow(try CommandEvaluator.check("CUDA_VISIBLE_DEVICES=0 python3 train.py --arch {arch}"))
    }

    /// Ctrl-C: nasdiff stops the commands under way, records none of them, and leaves no process behind.
    func testAStopTearsDownRunningCommandsAndRecordsNothing() throws {
        let dir = tmp("stop")
        let command = "sleep 30 & echo $! > \(dir)/child.pid; wait # {arch}"
        var execution = SearchExecution()
        execution.parallel = 2
        let evaluator = try CommandEvaluator(command: command, metric: "score", space: "nb201", directory: dir, seed: 0, execution: execution)
        let start = Date()
        var recorded = 0
        try evaluator.evaluate([try item("nor_conv_3x3", 0)], finished: { _, _ in recorded += 1 },
                               stopRequested: { Date().timeIntervalSince(start) > 1 })
        XCTAssertLessThan(Date().timeIntervalSince(start), 15)
        XCTAssertEqual(recorded, 0)
        let pid = Int32(try String(contentsOfFile: "\(dir)/child.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertNotEqual(kill(pid, 0), 0, "the stopped command's child \(pid) still runs after evaluate returned")
    }
}
