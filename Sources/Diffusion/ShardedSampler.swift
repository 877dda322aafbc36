import Foundation
import Compute
import Model

// Sampling across several devices (every GPU in the box): one Sampler per device, batches dealt out
// round-robin and run concurrently. Each batch's random streams depend only on (seed, batch index),
// so the result is the same whatever the number of devices.

public final class ShardedSampler: @unchecked Sendable {
    public let samplers: [Sampler]

    public init(devices: [Device], checkpoint: Checkpoint, model: GraphTransformer) throws {
        guard !devices.isEmpty else { throw DiffusionError.badOption("--device", "no device to sample on") }
        samplers = try devices.map { try Sampler(device: $0, checkpoint: checkpoint, model: model) }
    }

    /// Batches 0..<batches of `options.batch` graphs each, in batch order. `progress(finished batches,
    /// step, steps)` is called as batches advance (from whichever device moved). `inOrder` gets each
    /// batch as soon as it and every batch before it are finished, one call at a time, so a caller can
    /// write them out as they come. Once `stopRequested` says so, the batches under way are dropped and
    /// only the finished ones return, still in order: each is the batch an uninterrupted run gives,
    /// since its randomness depends on its index alone.
    public func sample(_ options: SamplingOptions, batches: Int, progress: (@Sendable (Int, Int, Int) -> Void)? = nil,
                       inOrder: (@Sendable ([SampledGraph]) -> Void)? = nil,
                       stopRequested: @escaping @Sendable () -> Bool = { false }) throws -> [[SampledGraph]] {
        guard batches >= 0 else { throw DiffusionError.badOption("batches \(batches)", "must not be negative") }
        try options.validate(trainedSteps: samplers[0].record.schedule.steps)   // before any device starts
        let results = Results(count: batches, inOrder: inOrder)
        let samplers = self.samplers
        DispatchQueue.concurrentPerform(iterations: samplers.count) { di in
            for bi in stride(from: di, to: batches, by: samplers.count) where !results.failed && !stopRequested() {
                do {
                    let graphs = try samplers[di].sampleBatch(options, batchIndex: bi, progress: { step, total in
                        progress?(results.finished, step, total)
                    }, stopRequested: stopRequested)
                    let finished = results.store(graphs, at: bi)
                    progress?(finished, 0, 0)
                } catch DiffusionError.stopped {
                    break
                } catch {
                    results.fail(error)
                }
            }
        }
        return try results.all(finishedOnly: stopRequested())
    }

    /// Results from several threads: each batch slot is written once, under a lock.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [[SampledGraph]?]
        private var error: Error?
        private var done = 0
        /// Batches before this one have been handed to `inOrder`.
        private var handedOut = 0
        private let inOrder: (@Sendable ([SampledGraph]) -> Void)?
        init(count: Int, inOrder: (@Sendable ([SampledGraph]) -> Void)?) { slots = Array(repeating: nil, count: count); self.inOrder = inOrder }
        var failed: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }
        var finished: Int { lock.lock(); defer { lock.unlock() }; return done }
        func store(_ g: [SampledGraph], at i: Int) -> Int {
            lock.lock(); defer { lock.unlock() }
            slots[i] = g
            done += 1
            while handedOut < slots.count, let ready = slots[handedOut] { inOrder?(ready); handedOut += 1 }
            return done
        }
        func fail(_ e: Error) { lock.lock(); defer { lock.unlock() }; if error == nil { error = e } }
        func all(finishedOnly: Bool) throws -> [[SampledGraph]] {
            if let error { throw error }
            return finishedOnly ? slots.compactMap { $0 } : slots.map { $0! }
        }
    }
}
