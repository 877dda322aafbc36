// Finds the project's Data/ folder, in this order:
//   1. the environment variable NASDIFF_DATA, as the caller read it (must exist when set: a typo should not silently fall
//      back to another copy);
//   2. ./Data in the current directory;
//   3. Data/ in the executable's folder or any folder above it (the binary lives in
//      .build/release/ or .build/debug/ of a checkout);
//   4. Data/ above the source file of the caller (#filePath), which is how tests find it.
// A folder counts as the data folder when it holds one of the benchmark subfolders.

import Foundation

public struct DataLocator: Sendable {
    public static let environmentVariable = "NASDIFF_DATA"
    /// Subfolders that mark a real data folder (any one suffices).
    static let markers = ["nb201", "transnas101", "naslib", "nb101", "darts"]

    public let root: String

    public init(root: String) { self.root = root }

    /// Absolute path of a file inside the data folder, e.g. "nb201/nb201_accuracy.csv".
    public func path(_ relative: String) -> String {
        (root as NSString).appendingPathComponent(relative)
    }

    public enum LocateError: Error, CustomStringConvertible, Equatable {
        /// The folder named by `source` (the environment variable or a command-line flag) is not a data folder.
        case givenPathMissing(String, source: String)
        case notFound(searched: [String])

        public var description: String {
            switch self {
            case let .givenPathMissing(p, source):
                let given = source.hasPrefix("-") ? "\(source) \(p)" : "\(source)=\(p)"
                return "\(given), but that folder does not exist or holds none of \(DataLocator.markers.joined(separator: ", ")); point it at the project's Data folder"
            case .notFound(let searched):
                return "cannot find the Data folder (searched: \(searched.joined(separator: ", "))); set \(DataLocator.environmentVariable)=/path/to/NASDiffusion/Data or run from the checkout's root"
            }
        }
    }

    /// Locates the data folder. `variable` is the value of NASDIFF_DATA, which the caller read (the
    /// command line's Settings); the other defaults are the process's current directory and executable.
    public static func locate(
        variable: String? = nil,
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        executable: String? = Bundle.main.executablePath,
        filePath: String = #filePath
    ) throws -> DataLocator {
        if let variable, !variable.isEmpty {
            return try at(variable, source: environmentVariable, currentDirectory: currentDirectory)
        }
        var searched: [String] = []
        let local = (currentDirectory as NSString).appendingPathComponent("Data")
        if isDataFolder(local) { return DataLocator(root: local) }
        searched.append(local)
        for start in [executable.map { ($0 as NSString).deletingLastPathComponent }, (filePath as NSString).deletingLastPathComponent] {
            guard let start, start.hasPrefix("/") else { continue }
            var folder = (start as NSString).standardizingPath
            while true {
                let candidate = (folder as NSString).appendingPathComponent("Data")
                if isDataFolder(candidate) { return DataLocator(root: candidate) }
                if folder == "/" { break }
                folder = (folder as NSString).deletingLastPathComponent
            }
            searched.append("Data/ above \(start)")
        }
        throw LocateError.notFound(searched: searched)
    }

    /// A data folder named explicitly (e.g. by a `--data` flag); `source` names where the path
    /// came from in the error.
    public static func at(_ path: String, source: String,
                          currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> DataLocator {
        let absolute = absolutePath(path, relativeTo: currentDirectory)
        guard isDataFolder(absolute) else { throw LocateError.givenPathMissing(path, source: source) }
        return DataLocator(root: absolute)
    }

    static func isDataFolder(_ path: String) -> Bool {
        markers.contains { marker in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(marker), isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }

    private static func absolutePath(_ path: String, relativeTo base: String) -> String {
        path.hasPrefix("/") ? path : ((base as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }
}
