// Reads a DARTS genotype from the two textual forms in use:
//   * DARTS / NAS-Bench-301: `Genotype(normal=[('sep_conv_3x3', 0), …], normal_concat=[2, 3, 4, 5],
//     reduce=[…], reduce_concat=[2, 3, 4, 5])` (keyword or positional fields, ' or " quotes,
//     `range(2, 6)` for the concat, any spacing);
//   * NASLib compact: `[[(source, opCode), …8], […8]]` (lists or tuples), op codes as in DARTSOp.
// A small reader of Python literals does the syntax; the two interpreters below do the meaning.

extension DARTSGenotype {
    /// Parses either form. Throws `SearchSpaceError.unparsable` naming what was wrong.
    public static func parse(_ text: String) throws -> DARTSGenotype {
        func fail(_ why: String) -> SearchSpaceError {
            .unparsable(space: "darts", input: text, why: why)
        }
        var reader = DARTSLiteralReader(text)
        let value: DARTSLiteral
        do { value = try reader.readAll() } catch let e as DARTSLiteralReader.SyntaxError {
            throw fail("\(e.message) at character \(e.offset); expected Genotype(normal=[('op', source), …], normal_concat=[2, 3, 4, 5], reduce=[…], reduce_concat=[2, 3, 4, 5]) or NASLib's [[(source, op), …], […]]")
        }
        switch value {
        case let .call(name, positional, keywords) where name == "Genotype":
            return try fromGenotypeCall(positional: positional, keywords: keywords, fail: fail)
        case let .sequence(cells):
            return try fromCompact(cells, fail: fail)
        default:
            throw fail("neither a Genotype(...) nor a NASLib compact [[...], [...]]")
        }
    }

    private static func fromGenotypeCall(positional: [DARTSLiteral], keywords: [(String, DARTSLiteral)],
                                         fail: (String) -> SearchSpaceError) throws -> DARTSGenotype {
        let fieldNames = ["normal", "normal_concat", "reduce", "reduce_concat"]
        guard positional.count <= 4 else { throw fail("Genotype takes 4 fields, got \(positional.count) positional") }
        var fields: [String: DARTSLiteral] = [:]
        for (k, v) in positional.enumerated() { fields[fieldNames[k]] = v }
        for (key, v) in keywords {
            guard fieldNames.contains(key) else { throw fail("unknown Genotype field '\(key)' (fields: \(fieldNames.joined(separator: ", ")))") }
            guard fields[key] == nil else { throw fail("Genotype field '\(key)' given twice") }
            fields[key] = v
        }
        for name in fieldNames where fields[name] == nil { throw fail("Genotype field '\(name)' is missing") }

        for concat in ["normal_concat", "reduce_concat"] {
            guard concatIsTwoToFive(fields[concat]!) else {
                throw fail("\(concat) must be [2, 3, 4, 5] (all four intermediate nodes); other concats are not in the DARTS space")
            }
        }
        func cell(_ name: String) throws -> [Input] {
            guard case let .sequence(items) = fields[name]! else { throw fail("\(name) must be a list of ('op', source) pairs") }
            return try items.enumerated().map { k, item in
                guard case let .sequence(pair) = item, pair.count == 2,
                      case let .string(opName) = pair[0], case let .int(source) = pair[1] else {
                    throw fail("\(name)[\(k)] must be ('op', source), e.g. ('sep_conv_3x3', 0)")
                }
                guard let op = DARTSOp(name: opName) else {
                    throw fail("\(name)[\(k)]: unknown op '\(opName)' (ops: \(DARTSOp.names.joined(separator: ", ")))")
                }
                return Input(op, source)
            }
        }
        return DARTSGenotype(normal: try cell("normal"), reduce: try cell("reduce"))
    }

    private static func fromCompact(_ cells: [DARTSLiteral], fail: (String) -> SearchSpaceError) throws -> DARTSGenotype {
        guard cells.count == 2 else { throw fail("the compact form holds 2 cells (normal, reduce), got \(cells.count)") }
        let parsed = try cells.enumerated().map { c, cell -> [Input] in
            guard case let .sequence(items) = cell else { throw fail("compact cell \(c) must be a list of (source, op) pairs") }
            return try items.enumerated().map { k, item in
                guard case let .sequence(pair) = item, pair.count == 2,
                      case let .int(source) = pair[0], case let .int(code) = pair[1] else {
                    throw fail("compact cell \(c), entry \(k) must be (source, opCode)")
                }
                guard let op = DARTSOp(rawValue: code) else {
                    throw fail("compact cell \(c), entry \(k): op code \(code) is not 0…6 (NASLib order: \(DARTSOp.names.joined(separator: ", ")))")
                }
                return Input(op, source)
            }
        }
        return DARTSGenotype(normal: parsed[0], reduce: parsed[1])
    }

    private static func concatIsTwoToFive(_ v: DARTSLiteral) -> Bool {
        switch v {
        case let .sequence(items): return items == [.int(2), .int(3), .int(4), .int(5)]
        case let .call(name, args, keywords): return name == "range" && args == [.int(2), .int(6)] && keywords.isEmpty
        default: return false
        }
    }
}

/// The subset of Python literal syntax that genotype strings use.
indirect enum DARTSLiteral: Equatable {
    case int(Int)
    case string(String)
    /// A list or a tuple.
    case sequence([DARTSLiteral])
    /// `name(positional…, key=value…)`.
    case call(String, [DARTSLiteral], [(String, DARTSLiteral)])

    static func == (a: DARTSLiteral, b: DARTSLiteral) -> Bool {
        switch (a, b) {
        case let (.int(x), .int(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.sequence(x), .sequence(y)): return x == y
        case let (.call(n, p, k), .call(m, q, l)):
            return n == m && p == q && k.count == l.count && zip(k, l).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}

/// Works on UTF-8 bytes: genotype strings are ASCII, and bytes keep parsing fast in debug builds.
struct DARTSLiteralReader {
    struct SyntaxError: Error {
        var message: String
        var offset: Int
    }

    private let bytes: [UInt8]
    private var at = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    /// One value covering the whole text (surrounding spaces allowed).
    mutating func readAll() throws -> DARTSLiteral {
        let v = try value()
        skipSpaces()
        guard at == bytes.count else { throw SyntaxError(message: "unexpected '\(char(at))' after the value", offset: at) }
        return v
    }

    private mutating func value() throws -> DARTSLiteral {
        skipSpaces()
        guard at < bytes.count else { throw SyntaxError(message: "the text ends where a value should be", offset: at) }
        let c = bytes[at]
        if c == ascii("[") || c == ascii("(") {
            at += 1
            let items = try arguments(closing: c == ascii("[") ? ascii("]") : ascii(")"), allowKeywords: false).positional
            return .sequence(items)
        }
        if c == ascii("'") || c == ascii("\"") { return .string(try quoted(c)) }
        if c == ascii("-") || isDigit(c) { return .int(try integer()) }
        if isNameStart(c) {
            let name = identifier()
            skipSpaces()
            guard at < bytes.count, bytes[at] == ascii("(") else {
                throw SyntaxError(message: "'\(name)' must be followed by '('", offset: at)
            }
            at += 1
            let args = try arguments(closing: ascii(")"), allowKeywords: true)
            return .call(name, args.positional, args.keywords)
        }
        throw SyntaxError(message: "unexpected '\(char(at))'", offset: at)
    }

    /// Comma-separated values up to `closing` (already past the opening bracket); a trailing comma
    /// is allowed, as in Python.
    private mutating func arguments(closing: UInt8, allowKeywords: Bool) throws
        -> (positional: [DARTSLiteral], keywords: [(String, DARTSLiteral)]) {
        var positional: [DARTSLiteral] = []
        var keywords: [(String, DARTSLiteral)] = []
        let closer = String(UnicodeScalar(closing))
        while true {
            skipSpaces()
            guard at < bytes.count else { throw SyntaxError(message: "missing '\(closer)'", offset: at) }
            if bytes[at] == closing { at += 1; return (positional, keywords) }
            if allowKeywords, let key = keywordAhead() {
                keywords.append((key, try value()))
            } else {
                guard keywords.isEmpty else { throw SyntaxError(message: "positional value after a keyword", offset: at) }
                positional.append(try value())
            }
            skipSpaces()
            guard at < bytes.count else { throw SyntaxError(message: "missing '\(closer)'", offset: at) }
            if bytes[at] == ascii(",") { at += 1 } else if bytes[at] != closing {
                throw SyntaxError(message: "expected ',' or '\(closer)', found '\(char(at))'", offset: at)
            }
        }
    }

    /// If the text here is `name =`, consumes it and returns the name.
    private mutating func keywordAhead() -> String? {
        let start = at
        guard at < bytes.count, isNameStart(bytes[at]) else { return nil }
        let name = identifier()
        skipSpaces()
        if at < bytes.count, bytes[at] == ascii("=") { at += 1; return name }
        at = start
        return nil
    }

    private mutating func identifier() -> String {
        let start = at
        while at < bytes.count, isNameStart(bytes[at]) || isDigit(bytes[at]) { at += 1 }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    private mutating func integer() throws -> Int {
        let start = at
        if bytes[at] == ascii("-") { at += 1 }
        while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        guard let v = Int(String(decoding: bytes[start..<at], as: UTF8.self)) else {
            throw SyntaxError(message: "not an integer", offset: start)
        }
        return v
    }

    private mutating func quoted(_ quote: UInt8) throws -> String {
        let start = at
        at += 1
        while at < bytes.count, bytes[at] != quote { at += 1 }
        guard at < bytes.count else { throw SyntaxError(message: "unterminated string", offset: start) }
        at += 1
        return String(decoding: bytes[(start + 1)..<(at - 1)], as: UTF8.self)
    }

    private mutating func skipSpaces() {
        while at < bytes.count, bytes[at] == 32 || (bytes[at] >= 9 && bytes[at] <= 13) { at += 1 }  // space, \t…\r
    }

    private func char(_ i: Int) -> String { String(decoding: bytes[i..<(i + 1)], as: UTF8.self) }
    private func ascii(_ c: Unicode.Scalar) -> UInt8 { UInt8(ascii: c) }
    private func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    private func isNameStart(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
}
