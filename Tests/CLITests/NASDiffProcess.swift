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
