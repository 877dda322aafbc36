// `nasdiff spaces`: the registered search spaces, their sizes, and the metrics of each one's table
// (the names --metric, --constraint and --pareto accept).

import ArgumentParser
import Foundation
import SearchSpaces

struct Spaces: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spaces",
        abstract: "List the search spaces, their sizes, and the metrics of each benchmark table.")

    @OptionGroup var dataOption: DataOption

    @Flag(name: .shortAndLong, help: "Also say what each metric measured.")
    var verbose = false

    func run() throws {
        var locator: DataLocator?
        var locateProblem: String?
        do {
            locator = try dataOption.locate()
        } catch {
            locateProblem = "\(error)"
        }

        for entry in SpaceRegistry.all {
            let s = entry.space
            let aliases = entry.aliases.isEmpty ? "" : " (also: \(entry.aliases.joined(separator: ", ")))"
            print("\(s.name)\(aliases)")
            print("  \(s.size) cells; graphs of up to \(s.maxNodes) nodes\(s.fixedTopology ? ", fixed adjacency" : "")")
            print("  node classes: \(s.nodeClasses.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", "))")
            guard let load = entry.loadTable else {
                print("  table: none")
                continue
            }
            guard let locator else {
                print("  table: not loaded — \(locateProblem ?? "no data folder")")
                continue
            }
            do {
                let table = try load(locator)
                print("  table: \(table.rowCount) architectures, \(table.metrics.count) metrics")
                for m in table.metrics {
                    let unit = m.unit.isEmpty ? "" : ", \(m.unit)"
                    let direction = m.direction == .higherIsBetter ? "higher is better" : "lower is better"
                    print("    \(m.name.padding(toLength: 26, withPad: " ", startingAt: 0)) \(direction)\(unit)" + (verbose ? " — \(m.summary)" : ""))
                }
            } catch {
                print("  table: not loaded — \(error)")
            }
        }
    }
}
