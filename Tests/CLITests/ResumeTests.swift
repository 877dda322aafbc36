import ArgumentParser
import XCTest
import Diffusion
@testable import nasdiff

/// `nasdiff train --resume` continues to the checkpoint's own target unless --steps names another: a
/// finished run has nothing to do, and a --steps below what is trained is refused, not ignored.
final class ResumeTests: XCTestCase {
    func testResumeKeepsTheCheckpointsTargetUnlessStepsSetsAnother() throws {
        let path = NSTemporaryDirectory() + "nasdiff-\(getpid())-cli-resume.safetensors"
        func clean() { for ext in ["safetensors", "csv"] { try? FileManager.default.removeItem(atPath: (path as NSString).deletingPathExtension + "." + ext) } }
        clean()   // a file left by an earlier process with this pid would be refused as an existing checkpoint
        defer { clean() }
        func train(_ extra: [String]) throws {
            try TrainCommand.parse(["--out", path, "--device", "swift"] + extra).run()
        }
        func trainedSteps() throws -> Int { try Checkpoint.read(from: path).0.record.step }

        try train(["--preset", "tiny", "--batch", "4", "--diffusion-steps", "20", "--steps", "3"])
        XCTAssertEqual(try trainedSteps(), 3)
        try train(["--resume"])                       // finished: nothing to do
        XCTAssertEqual(try trainedSteps(), 3)
        try train(["--resume", "--steps", "5"])        // a new target
        XCTAssertEqual(try trainedSteps(), 5)
        XCTAssertThrowsError(try train(["--resume", "--steps", "4"])) { error in
            // A mistake in the command line (exit status 64), printed as one line.
            let message = commandLineMistake(error) ?? "not a command-line mistake: \(error)"
            XCTAssertTrue(message.contains("--steps 4") && message.contains("already trained 5 steps"), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
        XCTAssertEqual(try trainedSteps(), 5)
    }
}
