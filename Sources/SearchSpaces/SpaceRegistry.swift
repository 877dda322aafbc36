// The search spaces the CLI knows, by name, with the loader of each one's benchmark table.
// Add a space by appending one entry to `all`.

import Foundation

public struct RegisteredSpace: Sendable {
    public let space: any SearchSpace
    /// Other names accepted on the command line.
    public let aliases: [String]
    /// Loads the space's benchmark table from the data folder; nil when the space has none.
    public let loadTable: (@Sendable (DataLocator) throws -> BenchmarkTable)?

    public init(_ space: any SearchSpace, aliases: [String] = [],
                loadTable: (@Sendable (DataLocator) throws -> BenchmarkTable)?) {
        self.space = space
        self.aliases = aliases
        self.loadTable = loadTable
    }
}

public enum SpaceRegistry {
    public static let all: [RegisteredSpace] = [
        RegisteredSpace(NB201Space(), aliases: ["nasbench201", "nas-bench-201"], loadTable: NB201Table.load(from:)),
        RegisteredSpace(TransNASMicroSpace(), aliases: ["transnas", "tnb101-micro", "transnas101-micro"],
                        loadTable: TransNASMicroTable.load(from:)),
        // The full NB101 table when tools/convert_nb101.py has produced it, else NASLib's 500-cell sample.
        RegisteredSpace(NB101Space(), aliases: ["nasbench101", "nas-bench-101"], loadTable: { data in
            FileManager.default.fileExists(atPath: data.path(NB101Table.convertedFile))
                ? try NB101Table.loadConverted(from: data)
                : try NB101Table.loadNASLibSample(from: data)
        }),
        // NASLib's 725-genotype NB301 sample.
        RegisteredSpace(DARTSSpace(), aliases: ["nb301", "nasbench301", "nas-bench-301"], loadTable: DARTSTable.loadNASLibSample(from:)),
    ]

    public static var names: [String] { all.map(\.space.name) }

    /// The registered space with this name or alias (case-insensitive).
    public static func entry(named name: String) throws -> RegisteredSpace {
        let wanted = name.lowercased()
        guard let entry = all.first(where: { $0.space.name == wanted || $0.aliases.contains(wanted) }) else {
            throw SearchSpaceError.unknownSpace(name, known: names)
        }
        return entry
    }

    /// The space with this name or alias; the error lists the known names.
    public static func named(_ name: String) throws -> any SearchSpace {
        try entry(named: name).space
    }
}
