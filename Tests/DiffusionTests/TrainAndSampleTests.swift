import XCTest
@testable import Compute
@testable import Diffusion
import Model
import SearchSpaces

/// End-to-end on real NB201 data with the tiny preset: resume, NaN handling, reproducible sampling.
final class TrainAndSampleTests: XCTestCase {
    static let loaded: (any SearchSpace, BenchmarkTable) = {
        let entry = try! SpaceRegistry.entry(named: "nb201")
        return (entry.space, try! entry.loadTable!(try! DataLocator.locate()))
    }()

    func makeTrainer(steps: Int, resume: Checkpoint? = nil, fixedEdges: Bool = false) throws -> Trainer {
        let (space, table) = Self.loaded
        let conditions = [try ConditionSpec(parsing: "cifar10-valid:top5%", table: table)]
        // A slice of the table keeps the test fast; the held-out rows are everything else.
        let data = try TrainingSet(space: space, table: table, conditions: conditions, exclude: Set(400..<table.rowCount))
        var o = TrainingOptions()
        o.preset = "tiny"; o.batch = 8; o.steps = steps; o.diffusionSteps = 20; o.seed = 9; o.fixedEdges = fixedEdges
        o.validateEvery = 1000; o.checkpointEvery = 1000
        return try Trainer(device: Device(), space: space, data: data, conditions: conditions, options: o, resume: resume)
    }

    /// A scratch path, removed (with a log beside it) when the test ends.
    func tmp(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "nasdiff-\(getpid())-\(name)"
        addTeardownBlock { for p in [path, (path as NSString).deletingPathExtension + ".csv"] { try? FileManager.default.removeItem(atPath: p) } }
        return path
    }

    func testResumeContinuesBitExactly() throws {
        let straight = try makeTrainer(steps: 6)
        for _ in 0..<6 { try straight.step() }
        let first = try makeTrainer(steps: 3)
        for _ in 0..<3 { try first.step() }
        let path = tmp("resume.safetensors")
        try first.checkpoint().write(to: path, model: first.model)
        var (ckpt, _) = try Checkpoint.read(from: path)
        ckpt.record.training.steps = 6
        let resumed = try makeTrainer(steps: 6, resume: ckpt)
        for _ in 0..<3 { try resumed.step() }
        XCTAssertEqual(resumed.record.step, 6)
        XCTAssertEqual(try straight.checkpoint().parameters, try resumed.checkpoint().parameters)
        XCTAssertEqual(try straight.checkpoint().moments, try resumed.checkpoint().moments)
    }

    /// A run asked to stop (Ctrl-C in `nasdiff train`) checkpoints the step it finished, and resuming
    /// from that checkpoint gives the weights and moments of a run that never stopped.
    func testStoppedRunCheckpointsItsLastStepAndResumesBitExactly() throws {
        let straight = try makeTrainer(steps: 6)
        XCTAssertTrue(try straight.run(checkpointPath: tmp("straight.safetensors"), logPath: nil) { _ in })
        let path = tmp("stopped.safetensors")
        let stopped = try makeTrainer(steps: 6)   // checkpointEvery 1000: only the stop writes one
        var asked = 0
        XCTAssertFalse(try stopped.run(checkpointPath: path, logPath: nil, stopRequested: { asked += 1; return asked == 4 }) { _ in })
        var (ckpt, _) = try Checkpoint.read(from: path)
        XCTAssertEqual(ckpt.record.step, 4)
        ckpt.record.training.steps = 6
        let resumed = try makeTrainer(steps: 6, resume: ckpt)
        XCTAssertTrue(try resumed.run(checkpointPath: path, logPath: nil) { _ in })
        XCTAssertEqual(try straight.checkpoint().parameters, try resumed.checkpoint().parameters)
        XCTAssertEqual(try straight.checkpoint().moments, try resumed.checkpoint().moments)
    }

    /// Batches built ahead on a background thread are the batches built in line, in order or not.
    /// Two runs with one seed must write the same bytes, so the record's JSON keys are sorted rather than
    /// in the order of the process's hash seed.
    func testCheckpointMetadataHasSortedKeys() throws {
        let t = try makeTrainer(steps: 1)
        try t.step()
        let path = tmp("sorted.safetensors")
        try t.checkpoint().write(to: path, model: t.model)
        let stored = try XCTUnwrap(SafeTensors.read(from: path).metadata[Checkpoint.metadataKey])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(stored, String(decoding: try encoder.encode(Checkpoint.read(from: path).0.record), as: UTF8.self))
    }

    func testPrefetchedBatchesAreTheBatchesOfTheirStep() throws {
        let b = try makeTrainer(steps: 10).batches, prefetch = BatchPrefetch(b)
        for step in [0, 1, 2, 7, 3, 4, 4] {
            let got = prefetch.batch(step: step), want = b.build(graphs: b.members(step: step), step: step, dropConditions: true)
            XCTAssertEqual([got.x0, got.e0, got.y0, got.mask, got.targetsX, got.targetsE],
                           [want.x0, want.e0, want.y0, want.mask, want.targetsX, want.targetsE], "step \(step)")
            XCTAssertEqual(got.nodeCount, want.nodeCount); XCTAssertEqual(got.pairCount, want.pairCount)
        }
        // Neighbouring steps differ, so the comparison above can tell them apart.
        XCTAssertNotEqual(prefetch.batch(step: 5).e0, b.build(graphs: b.members(step: 6), step: 6, dropConditions: true).e0)
    }

    func testNonFiniteLossStopsAndKeepsTheLastCheckpoint() throws {
        let t = try makeTrainer(steps: 2)
        let path = tmp("nan.safetensors")
        try t.run(checkpointPath: path, logPath: nil) { _ in }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        var (ckpt, _) = try Checkpoint.read(from: path)
        ckpt.record.training.steps = 4
        let resumed = try makeTrainer(steps: 4, resume: ckpt)
        var poisoned = try resumed.checkpoint().parameters
        poisoned[resumed.model.layout.entries[0].offset] = .nan   // a real weight, not alignment padding
        try Device().upload(poisoned, to: resumed.parameters.values.all)
        XCTAssertThrowsError(try resumed.run(checkpointPath: path, logPath: nil) { _ in }) { e in
            XCTAssertTrue("\(e)".contains("NaN or Inf at step 2"), "\(e)")
            XCTAssertTrue("\(e)".contains(path), "\(e)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "the good checkpoint must be left untouched")
    }

    func testSamplingIsReproducibleForASeedAndCheckpointsAreSelfContained() throws {
        let t = try makeTrainer(steps: 3)
        for _ in 0..<3 { try t.step() }
        let path = tmp("sample.safetensors")
        try t.checkpoint().write(to: path, model: t.model)
        let (ckpt, model) = try Checkpoint.read(from: path)       // everything sampling needs comes from the file
        let sampler = try Sampler(device: Device(), checkpoint: ckpt, model: model)
        var o = SamplingOptions()
        o.batch = 6; o.steps = 10; o.seed = 4
        o.targets = [try ConditionTarget(parsing: "cifar10-valid", conditions: ckpt.record.conditions, weight: 2)]
        let a = try sampler.sampleBatch(o), b = try sampler.sampleBatch(o)
        XCTAssertEqual(a.map(\.nodes), b.map(\.nodes)); XCTAssertEqual(a.map(\.pairs), b.map(\.pairs))
        o.seed = 5
        let c = try sampler.sampleBatch(o)
        XCTAssertNotEqual(a.map(\.nodes) + a.map(\.pairs), c.map(\.nodes) + c.map(\.pairs))
        for g in a {   // symmetric pair classes, no self-loops
            for i in 0..<8 { XCTAssertEqual(g.pairs[i * 8 + i], 0); for j in 0..<8 { XCTAssertEqual(g.pairs[i * 8 + j], g.pairs[j * 8 + i]) } }
        }
    }

    func testComposedGuidanceWithOneConditionEqualsJointGuidance() throws {
        // f(∅) + (1+w)(f(c) − f(∅)) = (1+w) f(c) − w f(∅): one weight means the same in both modes.
        let t = try makeTrainer(steps: 2)
        for _ in 0..<2 { try t.step() }
        let ckpt = try t.checkpoint()
        let sampler = try Sampler(device: Device(), checkpoint: ckpt, model: t.model)
        var o = SamplingOptions()
        o.batch = 6; o.steps = 8; o.seed = 3
        o.targets = [try ConditionTarget(parsing: "cifar10-valid", conditions: ckpt.record.conditions, weight: 1.5)]
        o.guidance = .joint(weight: 1.5)
        let joint = try sampler.sampleBatch(o)
        o.guidance = .composed
        let composed = try sampler.sampleBatch(o)
        XCTAssertEqual(joint.map(\.nodes), composed.map(\.nodes))
        XCTAssertEqual(joint.map(\.pairs), composed.map(\.pairs))
    }

    func testFixedEdgesSamplingKeepsTheNB201Adjacency() throws {
        let t = try makeTrainer(steps: 2, fixedEdges: true)
        for _ in 0..<2 { try t.step() }
        let sampler = try Sampler(device: Device(), checkpoint: try t.checkpoint(), model: t.model)
        var o = SamplingOptions()
        o.batch = 5; o.steps = 5
        let (space, _) = Self.loaded
        for s in try sampler.sampleBatch(o) {
            let g = GraphTensors.graph(nodes: s.nodes, pairs: s.pairs, n: 8, nodeCount: s.nodeCount)
            XCTAssertNotEqual(space.invalidReason(g)?.reason, "adjacency-not-fixed")
        }
    }

    func testCorruptCheckpointIsAOneLineError() throws {
        let path = tmp("corrupt.safetensors")
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint.read(from: path)) { e in
            XCTAssertTrue("\(e)".hasPrefix("checkpoint \(path):"), "\(e)"); XCTAssertFalse("\(e)".contains("\n"))
        }
    }
}

extension TrainAndSampleTests {
    func testShardingAcrossDevicesGivesTheSameGraphsAsOneDevice() throws {
        let t = try makeTrainer(steps: 2)
        for _ in 0..<2 { try t.step() }
        let ckpt = try t.checkpoint()
        var o = SamplingOptions()
        o.batch = 3; o.steps = 6; o.seed = 8
        o.targets = [try ConditionTarget(parsing: "cifar10-valid", conditions: ckpt.record.conditions, weight: 2)]
        let one = try ShardedSampler(devices: [Device()], checkpoint: ckpt, model: t.model).sample(o, batches: 5)
        var devices = [Device(), Device(), Device()]
        if let info = try OpenCLDiscovery.devices().first { devices[1] = try Device(openCL: info) }   // mix in PoCL when present
        let many = try ShardedSampler(devices: devices, checkpoint: ckpt, model: t.model).sample(o, batches: 5)
        XCTAssertEqual(one.count, 5); XCTAssertEqual(many.count, 5)
        // Batches 0, 2, 3 ran on Swift devices in both runs: identical. Batches 1, 4 may have run on PoCL,
        // where a 1-ulp difference can move a draw, so only their shape is compared.
        for b in [0, 2, 3] {
            XCTAssertEqual(one[b].map { $0.nodes }, many[b].map { $0.nodes })
            XCTAssertEqual(one[b].map { $0.pairs }, many[b].map { $0.pairs })
        }
        for b in [1, 4] { XCTAssertEqual(many[b].count, 3) }
    }

    /// Asked to stop during batch 1 (Ctrl-C in `nasdiff sample`), a run returns batch 0 only, as the
    /// uninterrupted run has it; asked before anything ran, it returns nothing.
    func testStoppedSamplingReturnsTheFinishedBatches() throws {
        let t = try makeTrainer(steps: 1)
        try t.step()
        let ckpt = try t.checkpoint()
        var o = SamplingOptions()
        o.batch = 2; o.steps = 4; o.seed = 3
        let sampler = try ShardedSampler(devices: [Device()], checkpoint: ckpt, model: t.model)
        let all = try sampler.sample(o, batches: 3)
        final class Asked: @unchecked Sendable { let lock = NSLock(); var count = 0 }
        let asked = Asked()
        // Asked before each batch and before each of its 4 steps: call 7 is batch 1's second step.
        let stopped = try sampler.sample(o, batches: 3, stopRequested: {
            asked.lock.withLock { asked.count += 1; return asked.count >= 7 }
        })
        XCTAssertEqual(stopped.count, 1)
        XCTAssertEqual(stopped[0].map(\.nodes), all[0].map(\.nodes))
        XCTAssertEqual(stopped[0].map(\.pairs), all[0].map(\.pairs))
        XCTAssertTrue(try sampler.sample(o, batches: 3, stopRequested: { true }).isEmpty)
    }
}

extension TrainAndSampleTests {
    /// Each step's work beside the denoiser's forward (on y embedded before the loop) is four kernels on
    /// an OpenCL device: the one-hot inputs of every pass for nodes and pairs, and one reverse step each.
    /// It was fifteen kernels and three copies as separate one-hot, guidance, softmax, threshold,
    /// posterior, draw and mirror kernels, and a copy of y.
    func testSamplingStepTakesFourKernelsBesideTheForward() throws {
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found") }
        let device = try Device(openCL: info), cl = try XCTUnwrap(device.cl)
        let t = try makeTrainer(steps: 1)
        try t.step()
        let ckpt = try t.checkpoint()
        let sampler = try Sampler(device: device, checkpoint: ckpt, model: t.model)
        var o = SamplingOptions()
        o.batch = 2; o.seed = 3; o.supportThreshold = 1e-4
        o.targets = [try ConditionTarget(parsing: "cifar10-valid", conditions: ckpt.record.conditions, weight: 2)]
        func launches(steps: Int) throws -> Int {
            o.steps = steps
            let before = cl.launches
            _ = try sampler.sampleBatch(o)
            return cl.launches - before
        }
        _ = try launches(steps: 1)   // builds the kernels
        let perStep = (try launches(steps: 6) - launches(steps: 2)) / 4
        let w = try t.model.makeWorkspace(device: device, capacity: 2 * o.batch, training: false)
        let y = try t.model.embedConditions(sampler.parameters, y: w.y0, rows: 2)   // as the sampler does, before its loop
        let before = cl.launches
        try t.model.forward(sampler.parameters, w, graphs: 2 * o.batch, conditions: y)
        XCTAssertEqual(perStep - (cl.launches - before), 4)
    }
}
