import ArgumentParser

@main
struct NASDiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nasdiff",
        abstract: "Train graph diffusion models over NAS search spaces and sample architectures that meet conditions.",
        subcommands: [DevicesCommand.self]
    )
}
