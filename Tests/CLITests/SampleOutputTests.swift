import XCTest
@testable import nasdiff
import Compute

/// `nasdiff sample` writes each finished batch as it comes: killed with kill -9, it leaves whole lines of
/// the batches it finished, the same lines an uninterrupted run writes first.
final class SampleOutputTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func tmp(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "nasdiff-sampleout-\(getpid())-\(name)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testKilledSampleKeepsItsFinishedBatches() throws {
        let killed = tmp("killed.jsonl"), whole = tmp("whole.jsonl")
        _ = tmp("whole.meta.json")   // the side file of the uninterrupted run, removed with the rest
        let common = ["--batch", "4", "--steps", "20", "--seed", "3", "--device", "swift", "--quiet"]
        let p = try launchNASDiff(["sample", "--count", "40"] + common + ["--out", killed], in: Self.repository)
        let deadline = Date().addingTimeInterval(120)
        func lineCount() -> Int { ((try? String(contentsOfFile: killed, encoding: .utf8)) ?? "").filter { $0 == "\n" }.count }
        while lineCount() < 4 && p.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "the run ended before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let kept = try String(contentsOfFile: killed, encoding: .utf8)
        XCTAssertTrue(kept.hasSuffix("\n"))
        let lines = kept.split(separator: "\n")
        XCTAssertEqual(lines.count % 4, 0, "whole batches only")
        XCTAssertLessThan(lines.count, 40)
        try SampleCommand.parse(common + ["--count", "\(lines.count)", "--out", whole]).run()
        XCTAssertEqual(try String(contentsOfFile: whole, encoding: .utf8), kept, "the batches an uninterrupted run writes first")
    }

    /// The CPU path (BLAS products, another summation order) draws the graphs the pure-Swift twin draws:
    /// all of 4 × 192 with the bundled model here (Benchmarks/RESULTS.md). A rounding difference could
    /// move a draw on another CPU's BLAS kernels, so the bound allows one of 32.
    func testTheCPUPathSamplesWhatTheTwinSamples() throws {
        guard Device(blasSettings: .process) != nil else { throw XCTSkip("no BLAS found: the CPU path was not compared") }
        let twin = tmp("twin.jsonl"), cpu = tmp("cpu.jsonl")
        _ = tmp("twin.meta.json"); _ = tmp("cpu.meta.json")
        let common = ["--count", "32", "--batch", "32", "--steps", "20", "--seed", "12", "--quiet"]
        try SampleCommand.parse(common + ["--device", "swift", "--out", twin]).run()
        try SampleCommand.parse(common + ["--device", "cpu", "--out", cpu]).run()
        let a = try String(contentsOfFile: twin, encoding: .utf8).split(separator: "\n")
        let b = try String(contentsOfFile: cpu, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(a.count, 32); XCTAssertEqual(b.count, 32)
        let same = zip(a, b).filter { $0 == $1 }.count
        XCTAssertGreaterThanOrEqual(same, 31, "\(same) of 32 graphs identical")
    }
}
