// A small, fast CSV reader over bytes (RFC 4180: comma separator, "..." quoting with "" for a quote,
// LF or CRLF line ends). The NB201 tables are ~9 MB and must load in well under 0.2 s, so fields
// are byte ranges into one buffer, plain decimals are parsed in place (strtod only for the rest),
// and `readColumns` does a whole file inside one buffer scope with flat output arrays.

import Foundation

struct CSVReader {
    let path: String
    /// The file's bytes plus a trailing 0, so strtod always stops inside the buffer.
    private let bytes: [UInt8]
    let header: [String]
    /// Byte offset where the first data record starts, and its line number.
    private let bodyStart: Int
    private let bodyLine: Int

    /// Reads the file and its header line. Throws `DataFileError` naming the file when it is
    /// missing, unreadable, empty, or its header is malformed.
    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataFileError(file: path, problem: "file not found")
        }
        try self.init(path: path, bytes: try CSVReader.readWholeFile(path))
    }

    /// The file's bytes, read straight into an array (Data → [UInt8] would copy 9 MB once more).
    static func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DataFileError(file: path, problem: "cannot open the file (errno \(errno))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DataFileError(file: path, problem: "cannot stat the file (errno \(errno))") }
        let size = Int(info.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var done = 0
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n <= 0 { failed = n < 0; break }
                done += n
            }
            count = done
        }
        guard !failed, bytes.count == size else { throw DataFileError(file: path, problem: "cannot read the file") }
        return bytes
    }

    /// Parses CSV text already in memory; `path` only names it in errors.
    init(path: String, bytes content: [UInt8]) throws {
        self.path = path
        var buffer = content
        buffer.append(0)
        bytes = buffer
        guard !content.isEmpty else { throw DataFileError(file: path, line: 1, problem: "the file is empty; expected a header line") }
        var position = 0
        var line = 1
        var ranges: [Field] = []
        try buffer.withUnsafeBufferPointer { b in
            try CSVReader.scanRecord(b, count: content.count, from: &position, line: &line, fields: &ranges, path: path)
        }
        let names = ranges.map { CSVReader.text(of: $0, in: buffer) }
        if let dup = Dictionary(grouping: names.indices, by: { names[$0] }).first(where: { $0.value.count > 1 }) {
            throw DataFileError(file: path, line: 1, column: dup.value[1] + 1, columnName: dup.key, problem: "duplicate column name")
        }
        header = names
        bodyStart = position
        bodyLine = line
    }

    /// 0-based index of a header name, or an error listing the columns the file has.
    func column(named name: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw DataFileError(file: path, line: 1, problem: "no column named '\(name)'; the header has \(header.joined(separator: ", "))")
        }
        return i
    }

    // MARK: bulk reading

    /// Selected columns of every data record.
    struct Columns {
        /// Line number of each record.
        var lines: [Int] = []
        /// Row-major numbers: `numbers[row * numericCount + k]` is numeric column k of row `row`.
        var numbers: [Double] = []
        /// `texts[k][row]`.
        var texts: [[String]]
        var rowCount: Int { lines.count }
    }

    /// Reads the given columns (0-based header indices) of every record: `numeric` ones as finite
    /// numbers, `text` ones as strings. The first bad field throws, naming file, line and column.
    func readColumns(numeric: [Int], text: [Int]) throws -> Columns {
        var result = Columns(texts: text.map { _ in [] })
        let expectedRows = max(16, bytes.count / max(1, 8 * header.count))
        result.lines.reserveCapacity(expectedRows)
        result.numbers.reserveCapacity(expectedRows * numeric.count)
        for k in text.indices { result.texts[k].reserveCapacity(expectedRows) }
        try bytes.withUnsafeBufferPointer { b in
            try forEachRecord(in: b) { line, fields in
                result.lines.append(line)
                for c in numeric {
                    guard let v = CSVReader.double(of: fields[c], in: b), v.isFinite else {
                        throw numberError(line: line, column: c, raw: CSVReader.text(of: fields[c], in: b))
                    }
                    result.numbers.append(v)
                }
                for (k, c) in text.enumerated() { result.texts[k].append(CSVReader.text(of: fields[c], in: b)) }
            }
        }
        return result
    }

    /// Calls `body` once per data record, in file order. Blank lines are skipped. Every record must
    /// have as many fields as the header.
    func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        try bytes.withUnsafeBufferPointer { b in
            try forEachRecord(in: b) { line, fields in try body(CSVRecord(reader: self, line: line, fields: fields)) }
        }
    }

    private func forEachRecord(in b: UnsafeBufferPointer<UInt8>, _ body: (Int, [Field]) throws -> Void) throws {
        let count = b.count - 1
        var position = bodyStart
        var line = bodyLine
        var fields: [Field] = []
        fields.reserveCapacity(header.count)
        while position < count {
            let recordLine = line
            try CSVReader.scanRecord(b, count: count, from: &position, line: &line, fields: &fields, path: path)
            if fields.count == 1, fields[0].start == fields[0].end, !fields[0].quoted { continue }  // blank line
            guard fields.count == header.count else {
                // Point at the first column that is missing, or the first one too many.
                let tooFew = fields.count < header.count
                throw DataFileError(file: path, line: recordLine, column: (tooFew ? fields.count : header.count) + 1,
                                    columnName: tooFew ? header[fields.count] : nil,
                                    problem: "expected \(header.count) fields as in the header, found \(fields.count)")
            }
            try body(recordLine, fields)
        }
    }

    func numberError(line: Int, column: Int, raw: String) -> DataFileError {
        DataFileError(file: path, line: line, column: column + 1, columnName: header[column],
                      problem: raw.isEmpty ? "empty field; expected a number" : "'\(raw)' is not a finite number")
    }

    // MARK: scanning

    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
        /// The quoted field contains "" escapes that must be collapsed.
        var escaped: Bool
    }

    /// Scans one record starting at `position`, leaving `position` after its line end.
    private static func scanRecord(_ b: UnsafeBufferPointer<UInt8>, count: Int, from position: inout Int, line: inout Int,
                                   fields: inout [Field], path: String) throws {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        fields.removeAll(keepingCapacity: true)
        var i = position
        while true {
            if i < count, b[i] == quote {
                let startLine = line
                var j = i + 1
                var escaped = false
                while true {
                    guard j < count else {
                        throw DataFileError(file: path, line: startLine, column: fields.count + 1, problem: "a quoted field is not closed before the end of the file")
                    }
                    if b[j] == quote {
                        if j + 1 < count, b[j + 1] == quote { escaped = true; j += 2; continue }
                        break
                    }
                    if b[j] == lf { line += 1 }
                    j += 1
                }
                fields.append(Field(start: i + 1, end: j, quoted: true, escaped: escaped))
                i = j + 1
                let endsField = i >= count || b[i] == comma || b[i] == lf || (b[i] == cr && (i + 1 == count || b[i + 1] == lf))
                guard endsField else {
                    throw DataFileError(file: path, line: line, column: fields.count, problem: "unexpected character '\(Character(UnicodeScalar(b[i])))' after a closing quote; expected ',' or the end of the line")
                }
            } else {
                var j = i
                var sawQuote = false
                while j < count {
                    let c = b[j]
                    if c == comma || c == lf { break }
                    if c == quote { sawQuote = true }
                    j += 1
                }
                var end = j
                if end > i, b[end - 1] == cr { end -= 1 }
                if sawQuote {
                    throw DataFileError(file: path, line: line, column: fields.count + 1, problem: "a quote inside an unquoted field; quote the whole field and double the inner quotes")
                }
                fields.append(Field(start: i, end: end, quoted: false, escaped: false))
                i = j
            }
            if i < count, b[i] == comma { i += 1; continue }
            // End of record: skip CR LF / LF.
            if i < count, b[i] == cr { i += 1 }
            if i < count, b[i] == lf { i += 1; line += 1 }
            break
        }
        position = i
    }

    // MARK: field values

    static func text(of field: Field, in b: UnsafeBufferPointer<UInt8>) -> String {
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[field.start..<field.end]), as: UTF8.self)
        return field.escaped ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }

    static func text(of field: Field, in bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { text(of: field, in: $0) }
    }

    /// Parses a field as a Double in place. nil when the field is empty or not entirely a number.
    static func double(of field: Field, in b: UnsafeBufferPointer<UInt8>) -> Double? {
        guard field.end > field.start else { return nil }
        if let v = fastDecimal(b, field.start, field.end) { return v }
        // strtod skips leading blanks itself; refuse them so " 1" is not silently a number.
        if b[field.start] == 0x20 || b[field.start] == 0x09 { return nil }
        let base = UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self)
        var end: UnsafeMutablePointer<CChar>? = nil
        let value = strtod(base + field.start, &end)
        guard let end, end == UnsafeMutablePointer(mutating: base + field.end) else { return nil }
        return value
    }

    /// Exactly rounded parse of plain decimals "-12.345" with at most 15 significant digits
    /// (Clinger's fast path: the integer mantissa and 10^k are exact doubles, so one division
    /// rounds correctly). nil for anything else — exponents, long mantissas — which strtod handles.
    /// strtod alone was a tenth of the NB201 load time.
    @inline(__always)
    static func fastDecimal(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9"), point = UInt8(ascii: ".")
        var i = start
        var negative = false
        if b[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if b[i] == UInt8(ascii: "+") { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, fractionDigits = 0
        var seenPoint = false, seenDigit = false
        while i < end {
            let c = b[i]
            if c >= zero, c <= nine {
                if mantissa > 0 || c != zero { digits += 1 }
                guard digits <= 15 else { return nil }
                mantissa = mantissa &* 10 &+ UInt64(c &- zero)
                if seenPoint { fractionDigits += 1 }
                seenDigit = true
            } else if c == point, !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
            i += 1
        }
        guard seenDigit, fractionDigits <= 22 else { return nil }
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -value : value
    }

    /// 10^0 … 10^22, each exact in a Double.
    static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { acc, _ in acc * 10 } }

    fileprivate func textField(_ field: Field) -> String { CSVReader.text(of: field, in: bytes) }
    fileprivate func doubleField(_ field: Field) -> Double? {
        bytes.withUnsafeBufferPointer { CSVReader.double(of: field, in: $0) }
    }
}

/// One data record: its line number and typed access to its fields (0-based column index).
struct CSVRecord {
    let reader: CSVReader
    let line: Int
    let fields: [CSVReader.Field]

    func string(_ column: Int) -> String { reader.textField(fields[column]) }

    /// The field as a number; an error naming file, line and column otherwise.
    func double(_ column: Int) throws -> Double {
        if let v = reader.doubleField(fields[column]), v.isFinite { return v }
        throw reader.numberError(line: line, column: column, raw: string(column))
    }

    /// The field as an integer; an error naming file, line and column otherwise.
    func int(_ column: Int) throws -> Int {
        let raw = string(column)
        guard let v = Int(raw) else {
            throw DataFileError(file: reader.path, line: line, column: column + 1, columnName: reader.header[column],
                                problem: "'\(raw)' is not an integer")
        }
        return v
    }
}
