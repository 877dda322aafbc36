import ArgumentParser
import Compute
import Foundation
import SearchSpaces

// Options and helpers shared by the commands.

struct DeviceOption: ParsableArguments {
    @Option(name: .long, help: "Device: cpu, swift, opencl, opencl:N, or part of a device name (env NASDIFF_DEVICE). Default: a GPU, else the fastest CPU path. Sampling also takes a comma-separated list, or 'gpus' for every GPU (the default when there are several).")
    var device: String?

    func make() throws -> Device { try DeviceSelection.device(request: device) }

    /// The devices to shard sampling over (DeviceSelection.shardDevices).
    func makeAll() throws -> [Device] { try DeviceSelection.shardDevices(request: device) }
}

struct DataOption: ParsableArguments {
    @Option(help: "Data folder (default: $NASDIFF_DATA, ./Data, or Data/ above the executable).")
    var data: String?

    func locate() throws -> DataLocator {
        try data.map { try DataLocator.at($0, source: "--data") } ?? DataLocator.locate(variable: Settings.process.dataFolder)
    }

    /// A space's table, or nil for a space that has none.
    func table(of entry: RegisteredSpace) throws -> BenchmarkTable? { try entry.loadTable.map { try $0(try locate()) } }

    /// A space and its benchmark table, by name.
    func loadSpace(_ name: String) throws -> (any SearchSpace, BenchmarkTable) {
        let entry = try SpaceRegistry.entry(named: name)
        guard let table = try table(of: entry) else {
            throw ValidationError("the \(entry.space.name) space has no bundled benchmark table")
        }
        return (entry.space, table)
    }

    /// The checkpoint to read: the bundled one is found in Models/ beside the data folder, so that the
    /// default works outside the checkout too.
    func checkpoint(_ path: String) -> String {
        guard path == bundledCheckpoint, !FileManager.default.fileExists(atPath: path),
              let root = try? locate().root else { return path }
        let beside = ((root as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
        return FileManager.default.fileExists(atPath: beside) ? beside : path
    }
}

/// The default --checkpoint: a small NB201 model trained with two conditions, shipped in the repository.
let bundledCheckpoint = "Models/nb201-small.safetensors"

/// Writes text to a temporary file and renames it, so a reader never sees half a file; `flag` names
/// the option in an error.
func writeAtomically(_ text: String, to path: String, flag: String = "--out") throws {
    try requireWritable(path, flag: flag)
    let tmp = path + ".tmp-\(getpid())"
    do { try text.write(toFile: tmp, atomically: false, encoding: .utf8) } catch {
        throw CommandError("\(flag) \(path): cannot write it: \(error.localizedDescription)")
    }
    guard rename(tmp, path) == 0 else { throw CommandError("\(flag) \(path): cannot write it: \(String(cString: strerror(errno)))") }
}

/// Makes `path`'s folder and checks a file can be created there, so that a long run fails at its
/// start, not after its work, when its output cannot be written.
func requireWritable(_ path: String, flag: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw CommandError("\(flag) \(path): is a folder; name a file")
    }
    let dir = (path as NSString).deletingLastPathComponent
    do {
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    } catch {
        throw CommandError("\(flag) \(path): cannot create the folder \(dir): \(error.localizedDescription)")
    }
    let probe = path + ".probe-\(getpid())"
    guard FileManager.default.createFile(atPath: probe, contents: nil) else {
        throw CommandError("\(flag) \(path): cannot create files in \(dir.isEmpty ? "the current folder" : dir)")
    }
    try? FileManager.default.removeItem(atPath: probe)
}

/// One status line on stderr, redrawn in place when stderr is a terminal; nothing when `quiet`.
struct StatusLine {
    let isTTY = isatty(2) == 1
    var quiet = false
    func show(_ s: String, final: Bool = false) {
        if quiet { return }
        if isTTY { FileHandle.standardError.write(Data(("\r\u{1B}[K" + s + (final ? "\n" : "")).utf8)) }
        else if final { FileHandle.standardError.write(Data((s + "\n").utf8)) }
    }
    func bar(_ done: Int, _ total: Int, width: Int = 24) -> String {
        let filled = total > 0 ? width * done / total : width
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}

func stderr(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

/// A failure while running (an unwritable output, a missing file), not a malformed command line, so
/// no usage text follows its message.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
