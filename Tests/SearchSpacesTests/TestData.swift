// Shared fixtures: the real benchmark tables, loaded once per test process.

import Foundation
import SearchSpaces

enum TestData {
    /// The project's Data folder, found the way the CLI finds it (env, ./Data, or above this file).
    static let locator: DataLocator = {
        do { return try DataLocator.locate() } catch { fatalError("\(error)") }
    }()

    static let nb201: BenchmarkTable = {
        do { return try NB201Table.load(from: locator) } catch { fatalError("\(error)") }
    }()

    static let transNAS: BenchmarkTable = {
        do { return try TransNASMicroTable.load(from: locator) } catch { fatalError("\(error)") }
    }()

    /// A scratch file with the given text; removed by the caller.
    static func temporaryFile(named name: String, contents: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nasdiff-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
