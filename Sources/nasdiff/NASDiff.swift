import ArgumentParser
import Diffusion
import Foundation
import Search
import SearchSpaces

@main
struct NASDiff: ParsableCommand {
    /// Written into every side file, so a result can be traced to the tool that made it.
    static let version = "0.5.0"

    static let configuration = CommandConfiguration(
        commandName: "nasdiff",
        abstract: "Train graph diffusion models over NAS search spaces and sample architectures that meet conditions.",
        discussion: """
        Start with `nasdiff sample` (uses the bundled NB201 checkpoint) or `nasdiff spaces`.
        Exit status: 0 done; 64 a mistake in the command line (a bad value, an unknown name, flags that do not go \
        together); 1 a failure while working (a missing or damaged file, a device, a write); 130 stopped by Ctrl-C \
        with what finished kept.
        """,
        version: version,
        subcommands: [TrainCommand.self, SampleCommand.self, PredictorCommand.self, SearchCommand.self, Evaluate.self, Spaces.self,
                      DevicesCommand.self, SelftestCommand.self, BenchCommand.self, ForwardCommand.self,
                      EnumerateCommand.self]
    )

    static func main() {
        do {
            var command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch {
            // A mistake found while running (a condition the checkpoint does not know, say) is still a
            // mistake in the command line: the same status as one found while parsing.
            if let mistake = commandLineMistake(error) {
                stderr("Error: \(mistake)")
                Foundation.exit(ExitCode.validationFailure.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// `--count -1` as `--count=-1`: a negative number after an option is its value (the parser would
/// otherwise read it as an unknown option and report the value missing).
func joiningNegativeValues(_ arguments: [String]) -> [String] {
    var result: [String] = []
    var i = 0
    while i < arguments.count {
        let a = arguments[i]
        if a == "--" { return result + arguments[i...] }
        if a.hasPrefix("--"), !a.contains("="), i + 1 < arguments.count,
           arguments[i + 1].hasPrefix("-"), Double(arguments[i + 1]) != nil {
            result.append(a + "=" + arguments[i + 1])
            i += 2
        } else {
            result.append(a)
            i += 1
        }
    }
    return result
}

/// The message of an error that says the command line is wrong, nil for a failure while working.
func commandLineMistake(_ error: Error) -> String? {
    switch error {
    case let e as ValidationError: return e.message
    case let e as DiffusionError:
        switch e {
        case .badCondition, .badOption: return e.description
        default: return nil
        }
    case let e as SearchError:
        if case .badOption = e { return e.description }
        return nil
    case let e as SearchSpaceError:
        if case .unknownSpace = e { return e.description }
        return nil
    case let e as BenchmarkTableError: return e.description
    case let e as MetricConstraint.ParseError: return e.description
    default: return nil
    }
}
