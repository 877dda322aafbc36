import ArgumentParser
import XCTest
import Diffusion
@testable import nasdiff

/// `nasdiff train` never loses a user's run without a word: it refuses to replace a checkpoint unless
/// told, its CSV holds each step once after a resume that follows a kill, and on a fixed-topology space
/// it keeps the edges fixed without being asked (diffused edges leave most samples invalid there).
final class TrainOutputTests: XCTestCase {
    func tmp(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "nasdiff-trainout-\(getpid())-\(name)"
        for ext in ["", ".csv"] { try? FileManager.default.removeItem(atPath: (path as NSString).deletingPathExtension + ext) }
        try? FileManager.default.removeItem(atPath: path)
        addTeardownBlock { for ext in ["", ".csv"] { try? FileManager.default.removeItem(atPath: (path as NSString).deletingPathExtension + ext) }
                           try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func train(_ out: String, _ extra: [String]) throws {
        try TrainCommand.parse(["--out", out, "--device", "swift", "--preset", "tiny", "--batch", "4", "--diffusion-steps", "20"] + extra).run()
    }

    func testExistingCheckpointIsNotReplacedUnlessAsked() throws {
        let out = tmp("kept.safetensors")
        try train(out, ["--steps", "2"])
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        XCTAssertThrowsError(try train(out, ["--steps", "3"])) { error in
            XCTAssertEqual("\(error)", "--out \(out): a checkpoint is there already; give --resume to continue it, --overwrite to replace it, or another --out")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), before, "the checkpoint is untouched")
        try train(out, ["--steps", "3", "--overwrite"])
        XCTAssertEqual(try Checkpoint.read(from: out).0.record.step, 3)
        let rows = try String(contentsOfFile: (out as NSString).deletingPathExtension + ".csv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.map { Int($0.prefix { $0 != "," })! }, [1, 2, 3], "the replaced run's log starts afresh")
    }

    func testResumeAfterAKillLogsEveryStepOnce() throws {
        let out = tmp("killed.safetensors"), csv = (out as NSString).deletingPathExtension + ".csv"
        try train(out, ["--steps", "4"])
        // What a kill -9 leaves: rows of steps 5 and 6 logged, the checkpoint still at step 4.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: csv))
        handle.seekToEndOfFile()
        handle.write(Data("5,0,1.0,0.5,0.5,,10.0\n6,0,1.0,0.5,0.5,,10.0\n".utf8))
        try handle.close()
        try train(out, ["--resume", "--steps", "7"])
        let steps = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { Int($0.prefix { $0 != "," })! }
        XCTAssertEqual(steps, [1, 2, 3, 4, 5, 6, 7])
    }

    func testFixedTopologySpacesKeepEdgesFixedByDefault() throws {
        let nb201 = tmp("fixed.safetensors"), diffused = tmp("diffused.safetensors"), nb101 = tmp("nb101.safetensors")
        try train(nb201, ["--steps", "1"])
        XCTAssertTrue(try Checkpoint.read(from: nb201).0.record.fixedEdges)
        try train(diffused, ["--steps", "1", "--no-fixed-edges"])
        XCTAssertFalse(try Checkpoint.read(from: diffused).0.record.fixedEdges)
        try train(nb101, ["--steps", "1", "--space", "nb101"])
        XCTAssertFalse(try Checkpoint.read(from: nb101).0.record.fixedEdges, "nb101's topology varies: edges are diffused")
    }

    /// Every row has a rate, including those logged before the first full second.
    func testEveryLoggedRowHasARate() throws {
        let out = tmp("rate.safetensors")
        try train(out, ["--steps", "3"])
        let rows = try String(contentsOfFile: (out as NSString).deletingPathExtension + ".csv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 3)
        for row in rows { XCTAssertGreaterThan(Double(row.split(separator: ",").last!)!, 0, String(row)) }
    }
}
