import Foundation
import Subprocess
import SystemPackage

// Runs the user's evaluation command once per candidate, `parallel` at a time, through /bin/sh so that
// pipes, environment assignments and `sbatch --wait` work as typed. Placeholders in the command are
// replaced by shell-quoted values:
//   {arch}   the candidate's standard string        {json}  a JSON file with space, arch, ops, adjacency
//   {id}     the evaluation's name (r3c07)          {round} the round number
//   {seed}   the search's seed                      {dir}   the search directory
// The command's stdout and stderr go to DIR/logs/ID.out and .err; its result is the last stdout line
// that is a JSON object holding the metric as a finite number. A failure (non-zero exit, no such line)
// or a timeout is retried once, then recorded; the run goes on either way. Each command runs in its
// own process group, so a timeout stops everything it started, and Ctrl-C reaches nasdiff only, which
// stops the commands itself and records none of the unfinished ones (a resume runs them again).

public struct CommandEvaluator: Evaluator {
    public static let placeholders = ["arch", "json", "id", "round", "seed", "dir"]

    public let command: String
    let metric: String
    let space: String
    let directory: String
    let seed: UInt64
    let execution: SearchExecution

    public init(command: String, metric: String, space: String, directory: String, seed: UInt64, execution: SearchExecution) throws {
        try Self.check(command)
        guard execution.parallel >= 1 else { throw SearchError.badOption("--parallel", "must be at least 1 (got \(execution.parallel))") }
        if let t = execution.timeout, !(t > 0 && t.isFinite) {
            throw SearchError.badOption("--evaluate-timeout", "must be a number of seconds > 0 (got \(t))")
        }
        self.command = command; self.metric = metric; self.space = space; self.directory = directory; self.seed = seed
        self.execution = execution
    }

    /// Throws when the command names an unknown placeholder, names no candidate, or starts with a program
    /// that is neither on PATH nor a file.
    public static func check(_ command: String) throws {
        let used = placeholdersUsed(in: command)
        if let unknown = used.first(where: { !placeholders.contains($0) }) {
            throw SearchError.badOption("--evaluate-cmd", "unknown placeholder {\(unknown)}; known: \(placeholders.map { "{\($0)}" }.joined(separator: ", "))")
        }
        guard used.contains("arch") || used.contains("json") else {
            throw SearchError.badOption("--evaluate-cmd", "the command must name the candidate with {arch} or {json}")
        }
        let words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let program = words.first(where: { !$0.contains("=") || $0.hasPrefix("{") }) else {
            throw SearchError.badOption("--evaluate-cmd", "the command is empty")
        }
        let shellWords: Set<String> = ["exec", "env", "time", "nice", "cd", "(", "{", "if", "for", "while", "!", "command"]
        if shellWords.contains(program) { return }
        if program.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: program) else {
                throw SearchError.badOption("--evaluate-cmd", "'\(program)' is not an executable file")
            }
            return
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard path.split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }) else {
            throw SearchError.badOption("--evaluate-cmd", "'\(program)' is not a program on PATH")
        }
    }

    static func placeholdersUsed(in command: String) -> [String] {
        var names: [String] = []
        var rest = Substring(command)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let name = rest[rest.index(after: open)..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0 == "_" }) { names.append(String(name)) }
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    static func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The command line for one candidate, after writing its JSON file.
    func commandLine(for c: Candidate, id: String, round: Int) throws -> String {
        let jsonPath = "\(directory)/candidates/\(id).json"
        let object: [String: Any] = ["space": space, "arch": c.arch, "ops": c.ops, "adjacency": c.adjacency, "id": id, "round": round]
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: jsonPath))
        let values = ["arch": c.arch, "json": jsonPath, "id": id, "round": "\(round)", "seed": "\(seed)", "dir": directory]
        var line = command
        for (name, value) in values { line = line.replacingOccurrences(of: "{\(name)}", with: Self.shellQuoted(value)) }
        return line
    }

    public func evaluate(_ items: [EvaluationItem], finished: (Int, EvaluationOutcome) throws -> Void,
                         stopRequested: @escaping @Sendable () -> Bool) throws {
        for sub in ["candidates", "logs"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
        }
        let jobs = try items.enumerated().map { i, item in
            Job(index: i, id: item.id, line: try commandLine(for: item.candidate, id: item.id, round: item.round))
        }
        let queue = OutcomeQueue()
        let (parallel, timeout, metric, logs) = (execution.parallel, execution.timeout, metric, "\(directory)/logs")
        let task = Task {
            await withTaskGroup(of: (Int, EvaluationOutcome).self) { group in
                var next = 0
                func start() {
                    let job = jobs[next]
                    next += 1
                    group.addTask { (job.index, await Self.runWithRetry(job, logs: logs, metric: metric, timeout: timeout)) }
                }
                while next < min(parallel, jobs.count) { start() }
                while let (i, outcome) = await group.next() {
                    if Task.isCancelled { break }
                    queue.push(i, outcome)
                    if next < jobs.count { start() }
                }
            }
            queue.finish()
        }
        // On a stop (or an error recording a result) the commands still running are torn down — SIGTERM
        // to each one's process group, SIGKILL 3 s later — and waited for, so none outlives nasdiff.
        defer {
            task.cancel()
            queue.waitUntilFinished(timeout: 10)
            // A cancelled run can return before its teardown has reached the process: end what is left.
            RunningGroups.shared.terminateAll(grace: 3)
        }
        while let (i, outcome) = queue.pop(stopRequested: stopRequested) {
            try finished(i, outcome)
        }
    }

    struct Job: Sendable { let index: Int, id: String, line: String }

    static func runWithRetry(_ job: Job, logs: String, metric: String, timeout: Double?) async -> EvaluationOutcome {
        let start = Date()
        var outcome = await runOnce(job, attempt: 1, logs: logs, metric: metric, timeout: timeout)
        if outcome.status != .ok && !Task.isCancelled {
            outcome = await runOnce(job, attempt: 2, logs: logs, metric: metric, timeout: timeout)
            outcome.attempts = 2
        }
        outcome.seconds = Date().timeIntervalSince(start)
        return outcome
    }

    static func runOnce(_ job: Job, attempt: Int, logs: String, metric: String, timeout: Double?) async -> EvaluationOutcome {
        let base = "\(logs)/\(job.id)\(attempt > 1 ? ".\(attempt)" : "")"
        let permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
        let options: PlatformOptions = {
            var o = PlatformOptions()
            o.processGroupID = 0
            o.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(3))]
            return o
        }()
        let status: TerminationStatus?
        do {
            let out = try FileDescriptor.open(FilePath(base + ".out"), .writeOnly, options: [.create, .truncate], permissions: permissions)
            let err = try FileDescriptor.open(FilePath(base + ".err"), .writeOnly, options: [.create, .truncate], permissions: permissions)
            status = try await withThrowingTaskGroup(of: TerminationStatus?.self) { group in
                group.addTask {
                    let result = try await run(.name("sh"), arguments: ["-c", job.line], platformOptions: options, input: .none,
                                               output: .fileDescriptor(out, closeAfterSpawningProcess: true),
                                               error: .fileDescriptor(err, closeAfterSpawningProcess: true)) { execution in
                        RunningGroups.shared.insert(job.id, execution.processIdentifier.value)
                    }
                    // A cancelled run may return while its teardown is still under way: its group stays
                    // listed for the stop to end.
                    if !Task.isCancelled { RunningGroups.shared.remove(job.id) }
                    return result.terminationStatus
                }
                if let timeout { group.addTask { try await Task.sleep(for: .seconds(timeout)); return nil } }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
        } catch {
            return EvaluationOutcome(status: .failed, seconds: 0, error: "could not run the command: \(error)")
        }
        guard let status else {
            RunningGroups.shared.terminate(job.id, grace: 3)
            return EvaluationOutcome(status: .timeout, seconds: 0, error: "stopped after \(timeout ?? 0) s (--evaluate-timeout)")
        }
        guard case .exited(0) = status else {
            return EvaluationOutcome(status: .failed, seconds: 0, error: "the command ended with \(status); see \(base).err")
        }
        let text = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n").reversed() {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { continue }
            guard let n = object[metric] as? NSNumber, n.doubleValue.isFinite else {
                return EvaluationOutcome(status: .failed, seconds: 0, error: "its last JSON line has no finite number '\(metric)'; see \(base).out")
            }
            return EvaluationOutcome(status: .ok, value: n.doubleValue, seconds: 0)
        }
        return EvaluationOutcome(status: .failed, seconds: 0, error: "printed no JSON line with '\(metric)'; see \(base).out")
    }
}

/// Outcomes handed from the evaluation tasks to the thread that records them, one at a time.
final class OutcomeQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [(Int, EvaluationOutcome)] = []
    private var done = false

    func push(_ i: Int, _ outcome: EvaluationOutcome) {
        condition.lock(); items.append((i, outcome)); condition.signal(); condition.unlock()
    }

    func finish() { condition.lock(); done = true; condition.signal(); condition.unlock() }

    func waitUntilFinished(timeout: Double) {
        condition.lock(); defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while !done && Date() < deadline { _ = condition.wait(until: deadline) }
    }

    /// The next outcome; nil when all are in or a stop was requested (polled every 0.2 s).
    func pop(stopRequested: () -> Bool) -> (Int, EvaluationOutcome)? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !done {
            if stopRequested() { return nil }
            _ = condition.wait(until: Date().addingTimeInterval(0.2))
        }
        return items.isEmpty ? nil : items.removeFirst()
    }
}

/// Process groups of the commands under way, by evaluation name (each command leads its own group), so
/// that a timeout or a stop can end them even when a cancelled run returned before its teardown did.
final class RunningGroups: @unchecked Sendable {
    static let shared = RunningGroups()
    private let lock = NSLock()
    private var groups: [String: pid_t] = [:]

    func insert(_ id: String, _ pid: pid_t) { lock.lock(); groups[id] = pid; lock.unlock() }
    func remove(_ id: String) { lock.lock(); groups[id] = nil; lock.unlock() }

    func terminate(_ id: String, grace: Double) {
        lock.lock(); let pid = groups.removeValue(forKey: id); lock.unlock()
        if let pid { Self.end([pid], grace: grace) }
    }

    func terminateAll(grace: Double) {
        lock.lock(); let left = Array(groups.values); groups = [:]; lock.unlock()
        Self.end(left, grace: grace)
    }

    /// SIGTERM to each group, then SIGKILL to those still there after `grace` seconds.
    static func end(_ pids: [pid_t], grace: Double) {
        guard !pids.isEmpty else { return }
        for pid in pids { kill(-pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline && pids.contains(where: { kill(-$0, 0) == 0 }) { usleep(50_000) }
        for pid in pids where kill(-pid, 0) == 0 { kill(-pid, SIGKILL) }
    }
}
