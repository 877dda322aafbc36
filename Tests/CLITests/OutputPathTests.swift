import ArgumentParser
import XCTest
import Diffusion
import SearchSpaces
@testable import nasdiff

/// An output that cannot be written fails the command at its start, with a line naming the flag, not
/// after the work. The commands name a device that does not exist: its error would come first if the
/// check came later.
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

    /// `--out` naming a folder is refused before any work.
    func testAFolderAsOutputIsRefusedUpFront() throws {
        let folder = NSTemporaryDirectory() + "nasdiff-\(getpid())-a-folder"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/nb201-small.safetensors").path
        for (command, arguments) in [(SampleCommand.self as ParsableCommand.Type, ["--checkpoint", checkpoint, "--count", "2", "--steps", "2", "--device", "opencl:99", "--out", folder]),
                                     (TrainCommand.self, ["--preset", "tiny", "--steps", "1", "--device", "opencl:99", "--out", folder])] {
            XCTAssertThrowsError(try { var parsed = try command.parseAsRoot(arguments); try parsed.run() }()) { error in
                XCTAssertEqual("\(error)", "--out \(folder): is a folder; name a file")
            }
        }
    }
}

/// The sample summary says how many samples meet every asked-for condition at once, and the table's
/// share, which is 0 for NB201's top 5 % on cifar10-valid AND the fastest quarter on a Pixel 3.
final class ConditionSummaryTests: XCTestCase {
    func testSummaryCountsSamplesMeetingAllConditions() throws {
        let (space, table) = try DataOption.parse([]).loadSpace("nb201")
        let conditions = [try ConditionSpec(parsing: "cifar10-valid:top5%", table: table), try ConditionSpec(parsing: "lat-pixel3:<=p25", table: table)]
        let acc = try table.column("cifar10-valid"), lat = try table.column("lat-pixel3")
        // Two cells meeting the accuracy condition only, one meeting the latency condition only.
        let good = (0..<table.rowCount).filter { conditions[0].classOf(acc[$0]) == 1 }.prefix(2)
        let fast = (0..<table.rowCount).first { conditions[1].classOf(lat[$0]) == 1 && conditions[0].classOf(acc[$0]) == 0 }!
        let archs = try (Array(good) + [fast]).map { GeneratedArchitecture.graph(try space.encode(table.standards[$0])) }
        let text = conditionSummary(archs, [], conditions, space: space, table: table)
        XCTAssertTrue(text.contains("all 2 at once: 0.0% of samples (0.0% of the table)"), text)
        XCTAssertTrue(text.contains("cifar10-valid:top5% class 1: 66.7% of samples"), text)
    }
}
