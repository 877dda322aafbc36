import ArgumentParser
import XCTest
@testable import nasdiff

/// An output that cannot be written fails the command at its start, with a line naming the flag, not
/// after the work with Foundation's error dump (sample used to sample first, then fail to write). The
/// commands name a device that does not exist: its error would come first if the check came later.
final class OutputPathTests: XCTestCase {
    func testUnwritableOutputsAreRefusedUpFront() throws {
        let file = NSTemporaryDirectory() + "nasdiff-\(getpid())-not-a-folder"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/nb201-small.safetensors").path
        let runs: [(ParsableCommand.Type, [String], String)] = [
            (SampleCommand.self, ["--checkpoint", checkpoint, "--count", "4", "--steps", "2", "--device", "opencl:99", "--out", file + "/x.jsonl"], "--out"),
            (TrainCommand.self, ["--preset", "tiny", "--steps", "1", "--device", "opencl:99", "--out", file + "/m.safetensors"], "--out"),
            (TrainCommand.self, ["--preset", "tiny", "--steps", "1", "--device", "opencl:99", "--out", NSTemporaryDirectory() + "nasdiff-\(getpid())-m.safetensors",
                                 "--log", file + "/log.csv"], "--log"),
        ]
        for (command, arguments, flag) in runs {
            XCTAssertThrowsError(try { var parsed = try command.parseAsRoot(arguments); try parsed.run() }()) { error in
                XCTAssertTrue(error is CommandError, "\(type(of: error)): \(error)")
                XCTAssertTrue("\(error)".hasPrefix("\(flag) \(file)/") && "\(error)".contains("cannot create the folder"), "\(error)")
            }
        }
    }
}
