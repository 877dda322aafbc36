// The contract every search space fulfils. A cell is a DAG whose nodes carry one operation class
// each, stored in a fixed topological order (input first, output last): `i < j` is the only
// carrier of edge direction, as in DiNAS (dinas-spec §1.1). The diffusion model sees exactly this
// graph, so encode/decode must be exact inverses for every valid cell.

/// One architecture as the diffusion model sees it: ops on nodes, directed edges i → j with i < j.
public struct ArchGraph: Hashable, Sendable {
    /// Node class per node, indices into `SearchSpace.nodeClasses`. Count = `nodeCount`.
    public var ops: [Int]
    /// Row-major `nodeCount × nodeCount`; `adjacency[i * nodeCount + j]` is the edge i → j.
    /// Only the strict upper triangle may be set.
    public var adjacency: [Bool]

    public var nodeCount: Int { ops.count }

    public init(ops: [Int], adjacency: [Bool]) {
        precondition(adjacency.count == ops.count * ops.count, "adjacency must be n×n")
        self.ops = ops
        self.adjacency = adjacency
    }

    public func hasEdge(_ i: Int, _ j: Int) -> Bool { adjacency[i * nodeCount + j] }
}

/// Why a graph is not a valid architecture of a space. `reason` is a short stable key used in the
/// validity breakdown (e.g. "output-not-last"); `detail` is the sentence shown to a person.
public struct InvalidReason: Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var detail: String
    public init(_ reason: String, _ detail: String) { self.reason = reason; self.detail = detail }
    public var description: String { "\(reason): \(detail)" }
}

public protocol SearchSpace: Sendable {
    /// Short name used on the command line, e.g. "nb201".
    var name: String { get }
    /// Names of the node classes, index = class id used in `ArchGraph.ops`.
    var nodeClasses: [String] { get }
    /// Graphs are padded to this many nodes for the model.
    var maxNodes: Int { get }
    /// True when every valid cell has the same adjacency (NB201, TransNAS micro): the diffusion
    /// may then keep edges fixed and diffuse only the node ops.
    var fixedTopology: Bool { get }
    /// Number of cells in the space (as usually quoted), for `nasdiff spaces`.
    var size: Int { get }

    /// Standard string of the field (NB201 arch string, NB101 "matrix|ops" form, DARTS genotype)
    /// → graph. Throws `SearchSpaceError` naming what was wrong.
    func encode(_ standard: String) throws -> ArchGraph
    /// Graph → standard string. Throws if the graph is not valid.
    func decode(_ graph: ArchGraph) throws -> String
    /// nil when valid, otherwise the first rule it breaks.
    func invalidReason(_ graph: ArchGraph) -> InvalidReason?
    /// The cell in NASLib's encoding of this space, where NASLib has one that a standard string maps to
    /// one-to-one (NB201's op indices, TransNAS's tuple); nil otherwise.
    func naslibEncoding(_ standard: String) -> String?
    /// Isomorphism-aware identity: two cells that compute the same function have the same key.
    /// Only defined for valid graphs.
    func identity(_ graph: ArchGraph) -> String
}

public enum SearchSpaceError: Error, CustomStringConvertible, Equatable {
    case unparsable(space: String, input: String, why: String)
    case invalid(space: String, InvalidReason)
    case unknownSpace(String, known: [String])

    public var description: String {
        switch self {
        case let .unparsable(space, input, why): return "\(space): cannot read '\(input)': \(why)"
        case let .invalid(space, r): return "\(space): invalid architecture: \(r.detail)"
        case let .unknownSpace(s, known): return "unknown search space '\(s)'; known: \(known.joined(separator: ", "))"
        }
    }
}

public extension SearchSpace {
    func naslibEncoding(_ standard: String) -> String? { nil }
}
