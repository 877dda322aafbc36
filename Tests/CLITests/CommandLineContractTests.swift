import XCTest
import Model
@testable import nasdiff

/// The command line as a user meets it, run as a real process from a folder outside the checkout: exit
/// status 64 for a mistake in what was typed and 1 for a failure while working, each with one line; a
/// negative number after an option is its value; the bundled checkpoint and the data folder are found
/// from anywhere; --quiet prints nothing; a sample run leaves a side file naming its checkpoint by the
/// hash `sha256sum` prints.
final class CommandLineContractTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let bundled = repository.appendingPathComponent("Models/nb201-small.safetensors").path

    /// An empty folder outside the checkout, removed after the test.
    func scratchFolder() throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("nasdiff-contract-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func run(_ arguments: [String], in folder: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        try runNASDiff(arguments, in: folder, repository: Self.repository)
    }

    func testMistakesExit64AndFailuresExit1WithOneLine() throws {
        let folder = try scratchFolder()
        let swift = ["--device", "swift"]
        let mistakes: [(arguments: [String], says: String)] = [
            (["sample", "--count", "0"], "--count must be at least 1 (got 0)"),
            (["sample", "--count", "-1"], "--count must be at least 1 (got -1)"),
            (["sample", "--checkpoint", bundled, "--condition", "top1", "--steps", "2"] + swift, "condition 'top1'"),
            (["train", "--space", "nb999", "--out", "m.safetensors"] + swift, "unknown search space 'nb999'"),
            (["train", "--holdout-top", "x", "--out", "m.safetensors"] + swift, "--holdout-top x"),
            (["train", "--steps", "0", "--out", "m.safetensors"], "--steps must be at least 1"),
            (["train", "--resume", "--overwrite", "--out", "m.safetensors"], "--resume --overwrite: give one of them, not both"),
            (["predictor", "train", "--checkpoint", bundled, "--metric", "top1", "--table-sample", "20", "--out", "p.safetensors"] + swift,
             "--metric top1"),
            (["search", "--checkpoint", bundled, "--metric", "top1", "--budget", "5", "--out", "s"] + swift, "--metric top1"),
            (["evaluate", "x.jsonl", "--space", "nb999"], "unknown search space 'nb999'"),
            (["enumerate", "--max-nodes", "16"], "--max-nodes must be in 2...8"),
        ]
        for (arguments, says) in mistakes {
            let r = try run(arguments, in: folder)
            XCTAssertEqual(r.status, 64, "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("Error: ") && r.stderr.contains(says), "\(arguments): \(r.stderr)")
        }
        let failures: [(arguments: [String], says: String)] = [
            (["sample", "--checkpoint", "missing.safetensors"] + swift, "checkpoint missing.safetensors: cannot read the file"),
            (["sample", "--checkpoint", bundled, "--predictor", "missing.safetensors", "--steps", "2"] + swift, "--predictor missing.safetensors"),
            (["evaluate", "missing.jsonl", "--space", "nb201"], "cannot read the samples file 'missing.jsonl'"),
            (["predictor", "train", "--checkpoint", bundled, "--metric", "acc", "--labels", "missing.jsonl", "--out", "p.safetensors"] + swift,
             "--labels missing.jsonl: cannot read the file"),
            (["train", "--data", "no-such-folder", "--preset", "tiny", "--out", "m.safetensors"] + swift, "--data no-such-folder"),
        ]
        for (arguments, says) in failures {
            let r = try run(arguments, in: folder)
            XCTAssertEqual(r.status, 1, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("Error: ") && r.stderr.contains(says), "\(arguments): \(r.stderr)")
        }
    }

    func testNegativeNumbersAfterOptionsAreTheirValues() {
        XCTAssertEqual(joiningNegativeValues(["--count", "-1", "--weight", "-2.5", "--out", "-", "--seed", "3"]),
                       ["--count=-1", "--weight=-2.5", "--out", "-", "--seed", "3"])
        XCTAssertEqual(joiningNegativeValues(["--count=-1", "--", "--x", "-1"]), ["--count=-1", "--", "--x", "-1"])
    }

    func testBundledCheckpointAndDataAreFoundOutsideTheCheckout() throws {
        let folder = try scratchFolder()
        let r = try run(["sample", "--count", "2", "--steps", "3", "--device", "swift", "--quiet", "--out", "s.jsonl"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "", "--quiet prints nothing")
        let lines = try String(contentsOf: folder.appendingPathComponent("s.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)

        let trained = try run(["train", "--data", Self.repository.appendingPathComponent("Data").path, "--preset", "tiny", "--batch", "4",
                               "--diffusion-steps", "5", "--steps", "1", "--device", "swift", "--out", "m.safetensors"], in: folder)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("m.safetensors").path))
    }

    /// The side file of a sample run: tool, checkpoint by its SHA-256 (as `sha256sum` prints it), seed,
    /// conditions and the node-class legend of the "ops" codes.
    func testSampleSideFileRecordsTheRun() throws {
        let folder = try scratchFolder()
        let r = try run(["sample", "--count", "2", "--steps", "3", "--seed", "7", "--condition", "cifar10-valid", "--device", "swift",
                         "--quiet", "--out", "s.jsonl"], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let side = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("s.meta.json"))) as? [String: Any])
        XCTAssertEqual(side["tool"] as? String, "nasdiff \(NASDiff.version)")
        XCTAssertEqual(side["seed"] as? Int, 7)
        XCTAssertEqual(side["conditions"] as? [String], ["cifar10-valid"])
        XCTAssertEqual(side["nodeClasses"] as? [String], ["out", "inp", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "none"])
        XCTAssertEqual(side["samples"] as? Int, 2)
        XCTAssertEqual(side["finished"] as? Bool, true)
        let checkpoint = try XCTUnwrap(side["checkpoint"] as? [String: Any])
        XCTAssertEqual(checkpoint["path"] as? String, bundled)
        let sha256sum = try runTool("/usr/bin/sha256sum", [bundled])
        XCTAssertEqual(checkpoint["sha256"] as? String, String(sha256sum.prefix(64)))
    }

    /// NB201 has no cell in the top 5 % on cifar10-valid AND the fastest quarter on a Pixel 3: joint
    /// guidance asks for a combination the model never saw, and says so; composed guidance does not ask.
    func testJointGuidanceOnACombinationTheTableLacksWarns() throws {
        let folder = try scratchFolder()
        let common = ["sample", "--count", "2", "--steps", "2", "--device", "swift", "--condition", "cifar10-valid", "--condition", "lat-pixel3",
                      "--out", "s.jsonl"]
        let joint = try run(common, in: folder)
        XCTAssertEqual(joint.status, 0, joint.stderr)
        XCTAssertTrue(joint.stderr.contains("warning: no cell of the nb201 table meets all of cifar10-valid, lat-pixel3 at once"), joint.stderr)
        let composed = try run(common + ["--guidance", "composed", "--weight", "1,2"], in: folder)
        XCTAssertEqual(composed.status, 0, composed.stderr)
        XCTAssertFalse(composed.stderr.contains("warning"), composed.stderr)
    }

    func testSelftestOnTheSwiftDeviceSaysThereIsNothingToTest() throws {
        let r = try run(["selftest", "--device", "swift"], in: try scratchFolder())
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("nothing to test: the Swift twins are the reference"), r.stdout)
        XCTAssertFalse(r.stdout.contains("max abs error"), "no table of the twins against themselves")
    }

    func testEnumerateRefusesSizesItCannotFinish() {
        XCTAssertThrowsError(try EnumerateCommand.parse(["--max-nodes", "9"]))
        XCTAssertThrowsError(try EnumerateCommand.parse(["--max-nodes", "7", "--max-edges", "22"]))
        XCTAssertNoThrow(try EnumerateCommand.parse(["--max-nodes", "8"]))
    }

    /// A program's standard output; skips when it is not installed.
    func runTool(_ path: String, _ arguments: [String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw XCTSkip("\(path) is not installed") }
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
