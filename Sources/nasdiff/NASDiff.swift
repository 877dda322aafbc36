import ArgumentParser

@main
struct NASDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nasdiff",
        abstract: "Train graph diffusion models over NAS search spaces and sample architectures that meet conditions.",
        discussion: "Start with `nasdiff sample` (uses the bundled NB201 checkpoint) or `nasdiff spaces`.",
        subcommands: [TrainCommand.self, SampleCommand.self, PredictorCommand.self, SearchCommand.self, Evaluate.self, Spaces.self,
                      DevicesCommand.self, SelftestCommand.self, BenchCommand.self, ForwardCommand.self,
                      EnumerateCommand.self]
    )
}
