import ArgumentParser
import XCTest
@testable import nasdiff

/// `nasdiff sample --predictor` and `nasdiff predictor train` end to end on bad and good input: each bad
/// input is one line naming the flag or file, and nothing is written.
final class PredictorCommandTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ p: String) -> String { repository.appendingPathComponent(p).path }
    let predictor = path("Tests/Fixtures/nb201-conv3x3-count.safetensors")
    let nb201 = path("Models/nb201-small.safetensors"), transnas = path("Models/transnas-micro-small.safetensors")
    /// A scratch path, removed (with a log beside it) when the test ends.
    func tmp(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "nasdiff-\(getpid())-\(name)"
        addTeardownBlock { for p in [path, (path as NSString).deletingPathExtension + ".csv"] { try? FileManager.default.removeItem(atPath: p) } }
        return path
    }

    func run(_ arguments: [String]) throws {
        var parsed = try NASDiff.parseAsRoot(arguments)
        try parsed.run()
    }

    func assertOneLineError(_ arguments: [String], startsWith prefix: String, noFile out: String, line: UInt = #line) {
        XCTAssertThrowsError(try run(arguments), line: line) { error in
            XCTAssertTrue("\(error)".hasPrefix(prefix), "\(error)", line: line)
            XCTAssertFalse("\(error)".contains("\n"), "\(error)", line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written", line: line)
    }

    func testBadPredictorInputIsOneLineAndWritesNothing() throws {
        let out = tmp("guided.jsonl")
        // A predictor of the nb201 space (and its noise model) cannot steer the TransNAS model.
        assertOneLineError(["sample", "--checkpoint", transnas, "--predictor", predictor, "--count", "2", "--out", out],
                           startsWith: "--predictor \(predictor): predicts for the nb201 space", noFile: out)
        // A diffusion checkpoint is not a predictor.
        assertOneLineError(["sample", "--checkpoint", nb201, "--predictor", nb201, "--count", "2", "--out", out],
                           startsWith: "--predictor \(nb201): no 'nasdiff-predictor' header", noFile: out)
        let labels = tmp("labels.jsonl"), trained = tmp("p.safetensors")
        try "{\"arch\": \"nope\", \"acc\": 1}\n{}\n".write(toFile: labels, atomically: true, encoding: .utf8)
        assertOneLineError(["predictor", "train", "--checkpoint", nb201, "--metric", "acc", "--labels", labels, "--out", trained],
                           startsWith: "--labels \(labels): no line has a valid nb201 architecture", noFile: trained)
        assertOneLineError(["predictor", "train", "--checkpoint", nb201, "--metric", "top1", "--table-sample", "20", "--out", trained],
                           startsWith: "--metric top1: the nb201 table has no such metric", noFile: trained)
        let arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
        try (0..<5).map { "{\"arch\": \"\(arch)\", \"acc\": \($0)}" }.joined(separator: "\n").write(toFile: labels, atomically: true, encoding: .utf8)
        assertOneLineError(["predictor", "train", "--checkpoint", nb201, "--metric", "acc", "--labels", labels, "--out", trained],
                           startsWith: "labels: 5 usable labelled architectures; a predictor needs at least 10", noFile: trained)
    }

    func testGuidedSampleOfAMetricTheTableLacksRunsToItsEnd() throws {
        // The fixture predicts "conv3x3", which is no column of the NB201 table: the summary (not --quiet)
        // must not fail after the samples are written.
        let out = tmp("guided-ok.jsonl")
        defer { for p in [out, tmp("guided-ok.meta.json")] { try? FileManager.default.removeItem(atPath: p) } }
        try run(["sample", "--checkpoint", nb201, "--predictor", predictor, "--predictor-weight", "5", "--count", "3", "--batch", "3",
                 "--steps", "3", "--out", out])
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
    }
}
