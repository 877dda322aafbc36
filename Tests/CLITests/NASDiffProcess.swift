import Foundation
import XCTest

/// The nasdiff executable beside the test bundle (swift test builds it with the tests), for tests that
/// must kill a real process.
func nasdiffBinary(repository: URL) throws -> String {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("nasdiff").path
    for path in [beside, repository.appendingPathComponent(".build/debug/nasdiff").path] where FileManager.default.isExecutableFile(atPath: path) {
        return path
    }
    throw XCTSkip("no nasdiff executable beside the tests (looked at \(beside)); build it with `swift build`")
}

/// Starts nasdiff with `arguments` in `repository`, its output discarded.
func launchNASDiff(_ arguments: [String], in repository: URL) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try nasdiffBinary(repository: repository))
    p.arguments = arguments
    p.currentDirectoryURL = repository
    p.standardError = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    return p
}

/// Runs nasdiff to its end in `folder` and returns its exit status and what it printed.
func runNASDiff(_ arguments: [String], in folder: URL, repository: URL) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try nasdiffBinary(repository: repository))
    p.arguments = arguments
    p.currentDirectoryURL = folder
    // Files, not pipes: a pipe that fills up would block the process while the test waits for it.
    let outPath = NSTemporaryDirectory() + "nasdiff-run-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: outPath + ".out", contents: nil)
    _ = FileManager.default.createFile(atPath: outPath + ".err", contents: nil)
    defer { for e in [".out", ".err"] { try? FileManager.default.removeItem(atPath: outPath + e) } }
    p.standardOutput = FileHandle(forWritingAtPath: outPath + ".out")
    p.standardError = FileHandle(forWritingAtPath: outPath + ".err")
    try p.run()
    p.waitUntilExit()
    func read(_ e: String) -> String { (try? String(contentsOfFile: outPath + e, encoding: .utf8)) ?? "" }
    return (p.terminationStatus, read(".out"), read(".err"))
}
