import Foundation

// An append-only file of JSON lines that survives kill -9: each line is written whole and synced to
// disk before the next evaluation starts, and a reader drops a last line the kill cut short (and cuts
// it off the file before appending, so the next line does not land on a torn one).

public final class JSONLinesFile<Line: Codable> {
    public let path: String
    /// The whole lines the file held when it was opened.
    public let existing: [Line]
    private let handle: FileHandle
    private let encoder: JSONEncoder

    /// Opens (creating it if needed) for appending, after cutting off a torn last line.
    public init(path: String) throws {
        self.path = path
        let (lines, validBytes) = try Self.read(path: path)
        existing = lines
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw SearchError.directory(path, "cannot create the file")
            }
        }
        guard let h = FileHandle(forUpdatingAtPath: path) else { throw SearchError.directory(path, "cannot open the file for writing") }
        try h.truncate(atOffset: UInt64(validBytes))
        try h.seekToEnd()
        handle = h
        encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
    }

    deinit { try? handle.close() }

    public func append(_ line: Line) throws {
        var data = try encoder.encode(line)
        data.append(UInt8(ascii: "\n"))
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            throw SearchError.directory(path, "cannot append to the file: \(error.localizedDescription)")
        }
    }

    /// The whole lines of a file (none when it does not exist) and how many bytes they take. A line
    /// that does not decode is an error unless it is the last one and has no newline (a torn write).
    public static func read(path: String) throws -> (lines: [Line], validBytes: Int) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], 0) }
        var lines: [Line] = []
        var start = data.startIndex, number = 0
        let decoder = JSONDecoder()
        while start < data.endIndex {
            number += 1
            guard let newline = data[start...].firstIndex(of: UInt8(ascii: "\n")) else { break }   // torn last line
            let body = data[start..<newline]
            if !body.allSatisfy({ $0 == UInt8(ascii: " ") }) {
                do { lines.append(try decoder.decode(Line.self, from: body)) } catch {
                    throw SearchError.directory(path, "line \(number) is not a record of this nasdiff: \(error)")
                }
            }
            start = data.index(after: newline)
        }
        return (lines, start - data.startIndex)
    }
}
