import ArgumentParser
import Foundation
import SearchSpaces

struct EnumerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enumerate",
        abstract: "Enumerate NAS-Bench-101 and count its unique valid cells (published: 423,624).",
        discussion: "Only the NB101 space is enumerated this way; `nasdiff spaces` gives the sizes of the others.")

    @Option(help: "Largest cell, in vertices, at most 8 (NB101: 7).") var maxNodes = NB101Space.maxVertices
    @Option(help: "Most edges (NB101: 9).") var maxEdges = NB101Space.maxEdges

    func validate() throws {
        // Every adjacency of n vertices is visited: 2^28 at 8 take seconds, 2^36 at 9 would take hours.
        guard (2...8).contains(maxNodes) else { throw ValidationError("--max-nodes must be in 2...8 (got \(maxNodes))") }
        let pairs = maxNodes * (maxNodes - 1) / 2
        guard (1...pairs).contains(maxEdges) else { throw ValidationError("--max-edges must be in 1...\(pairs) for \(maxNodes) vertices (got \(maxEdges))") }
    }

    func run() throws {
        let start = Date()
        let count = NB101Enumeration.countUnique(maxNodes: maxNodes, maxEdges: maxEdges) { print($0) }
        print(String(format: "%d unique valid cells (%.1f s)", count, Date().timeIntervalSince(start)))
        if maxNodes == NB101Space.maxVertices && maxEdges == NB101Space.maxEdges {
            print(count == NB101Enumeration.publishedUniqueCount ? "matches the published count" :
                  "DIFFERS from the published \(NB101Enumeration.publishedUniqueCount)")
        }
    }
}
