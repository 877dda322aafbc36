// Errors a user can cause through the data folder: a missing or malformed file. Each names the
// file, and where it applies the 1-based line and the column (number and header name).

public struct DataFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// 1-based physical line in the file (the header is line 1); nil for whole-file problems.
    public var line: Int?
    /// 1-based column number and, when the header was read, its name.
    public var column: Int?
    public var columnName: String?
    public var problem: String

    public init(file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil, problem: String) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.problem = problem
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column {
            place += ", column \(column)"
            if let columnName { place += " (\(columnName))" }
        }
        return "\(place): \(problem)"
    }
}
