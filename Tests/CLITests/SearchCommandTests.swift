import ArgumentParser
import XCTest
@testable import nasdiff

/// `nasdiff search` as a user runs it: killed with kill -9 in the middle of parallel evaluations and
/// resumed, it loses and repeats no finished evaluation; bad input is one line naming the flag or file;
/// the example PyTorch evaluator runs a search end to end where torch and scikit-learn are installed.
final class SearchCommandTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func tmp(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "nasdiff-searchcli-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func launch(_ arguments: [String]) throws -> Process { try launchNASDiff(arguments, in: Self.repository) }

    func lines(_ path: String) -> [[String: Any]] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func testKillNineThenResumeLosesAndRepeatsNothing() throws {
        let dir = tmp("killed"), calls = tmp("calls.log"), script = tmp("slow.sh")
        // Counts every start; takes a while; scores a cell by its string's length.
        try """
        echo "$1" >> "\(calls)"
        sleep 0.4
        echo "{\\"score\\": ${#1}}"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let arguments = ["search", "--strategy", "random", "--metric", "score", "--evaluate-cmd", "sh \(script) {arch}",
                         "--budget", "8", "--per-round", "4", "--parallel", "2", "--seed", "5", "--out", dir, "--device", "swift"]
        let first = try launch(arguments)
        let evaluations = dir + "/evaluations.jsonl"
        let deadline = Date().addingTimeInterval(120)
        while lines(evaluations).count < 3 && first.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(first.isRunning, "the run ended before it could be killed")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        usleep(600_000)   // commands it left running finish; their results were never recorded
        let before = try String(contentsOfFile: evaluations, encoding: .utf8)
        let kept = lines(evaluations).map { ($0["candidate"] as! [String: Any])["arch"] as! String }
        XCTAssertGreaterThanOrEqual(kept.count, 3)
        XCTAssertLessThan(kept.count, 8)

        let second = try launch(arguments + ["--resume"])
        second.waitUntilExit()
        XCTAssertEqual(second.terminationStatus, 0)
        let after = lines(evaluations)
        XCTAssertEqual(after.count, 8)
        XCTAssertTrue(try String(contentsOfFile: evaluations, encoding: .utf8).hasPrefix(before), "finished evaluations kept as written")
        let archs = after.map { ($0["candidate"] as! [String: Any])["arch"] as! String }
        XCTAssertEqual(Set(archs).count, 8, "no cell evaluated twice")
        for (record, arch) in zip(after, archs) {
            XCTAssertEqual(record["status"] as? String, "ok")
            XCTAssertEqual(record["value"] as? Double, Double(arch.count))
        }
        let started = try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n").map(String.init)
        for arch in kept { XCTAssertEqual(started.filter { $0 == arch }.count, 1, "\(arch) was recorded before the kill and run again") }
    }

    func run(_ arguments: [String]) throws {
        var parsed = try NASDiff.parseAsRoot(arguments)
        try parsed.run()
    }

    func assertOneLineError(_ arguments: [String], _ expected: String, line: UInt = #line) {
        XCTAssertThrowsError(try run(arguments), line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(expected), message, line: line)
            XCTAssertFalse(message.contains("\n"), message, line: line)
        }
    }

    func testBadInputIsOneLineNamingTheFlagOrFile() throws {
        let dir = tmp("bad"), nb201 = Self.repository.appendingPathComponent("Models/nb201-small.safetensors").path
        let base = ["search", "--checkpoint", nb201, "--out", dir]
        assertOneLineError(base + ["--metric", "accuracy", "--evaluate-cmd", "no-such-trainer --arch {arch}"],
                           "--evaluate-cmd: 'no-such-trainer' is not a program on PATH")
        assertOneLineError(base + ["--metric", "cifar100", "--budget", "4"], "--budget: 4 is below one round (--per-round 10)")
        assertOneLineError(base + ["--metric", "top1"], "--metric top1: the nb201 table has no such metric")
        assertOneLineError(base + ["--metric", "cifar100", "--strategy", "annealing"], "--strategy annealing: use diffusion, random, evolution, predictor-rank")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir), "nothing written")
        try run(base + ["--metric", "cifar100", "--strategy", "random", "--budget", "10", "--quiet"])
        assertOneLineError(base + ["--metric", "cifar100", "--strategy", "random", "--budget", "20", "--seed", "1", "--resume"],
                           "--resume \(dir): this run's --seed '1' (the directory was made with '0')")
        assertOneLineError(base + ["--metric", "cifar100", "--strategy", "random", "--budget", "20"], "\(dir): holds a search already")
        assertOneLineError(["search", "--compare", dir, tmp("nothing"), "--out", tmp("c.svg")], "--compare \(tmp("nothing")): no search settings.json there")
    }

    func testExampleEvaluatorSearchesEndToEnd() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import torch, sklearn"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            throw XCTSkip("python3 lacks torch or scikit-learn (pip install torch scikit-learn): the example evaluator's search skipped")
        }
        let dir = tmp("digits")
        let script = Self.repository.appendingPathComponent("tools/evaluators/nb201_digits.py").path
        let p = try launch(["search", "--strategy", "random", "--metric", "accuracy", "--evaluate-cmd", "python3 \(script) --arch {arch} --epochs 1",
                            "--budget", "4", "--per-round", "2", "--parallel", "2", "--out", dir, "--device", "swift"])
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let records = lines(dir + "/evaluations.jsonl")
        XCTAssertEqual(records.count, 4)
        for r in records {
            XCTAssertEqual(r["status"] as? String, "ok")
            let accuracy = try XCTUnwrap(r["value"] as? Double)
            XCTAssertTrue((0...100).contains(accuracy))
        }
    }
}
