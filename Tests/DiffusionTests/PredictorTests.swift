import XCTest
@testable import Compute
@testable import Diffusion
import Model
import SearchSpaces

/// Noise-aware predictors on real NB201 data: training learns a metric, the file round-trips and is
/// refused by a checkpoint of another noise model, labels files are read with their errors, and guided
/// sampling moves samples toward the predictor and runs the same on PoCL as on the Swift twin.
final class PredictorTests: XCTestCase {
    static let loaded = TrainAndSampleTests.loaded

    /// The bundled NB201 checkpoint (small preset, fixed edges, T = 500): a trained denoiser, so guided
    /// samples can be judged against the table.
    static let diffusion: (Checkpoint, GraphTransformer) = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/nb201-small.safetensors").path
        return try! Checkpoint.read(from: path)
    }()

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// How many 3×3 convolutions a cell has: a metric with an exact oracle.
    static func conv3x3Count(_ g: GraphTensors) -> Double { Double(g.nodes.filter { $0 == 3 }.count) }

    /// A predictor of the 3×3-convolution count under the bundled checkpoint's noise, trained by the
    /// release build (the tests run unoptimised, where its 1,500 steps take minutes) with
    ///   nasdiff predictor train --metric conv3x3 --labels Tests/Fixtures/nb201-conv3x3-count.jsonl --seed 0 \
    ///     --out Tests/Fixtures/nb201-conv3x3-count.safetensors
    static let predictor: Predictor = try! Predictor.read(from: repository.appendingPathComponent("Tests/Fixtures/nb201-conv3x3-count.safetensors").path)

    /// A scratch path, removed (with a log beside it) when the test ends.
    func tmp(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "nasdiff-\(getpid())-\(name)"
        addTeardownBlock { for p in [path, (path as NSString).deletingPathExtension + ".csv"] { try? FileManager.default.removeItem(atPath: p) } }
        return path
    }

    /// A short training on the count's labels learns to rank cells it never saw (the count is the oracle),
    /// better on clean graphs than on noisy ones; the file's predictor (full training) ranks better still.
    func testTrainedPredictorRanksCellsItNeverSaw() throws {
        let (space, table) = Self.loaded
        let text = try String(contentsOfFile: Self.repository.appendingPathComponent("Tests/Fixtures/nb201-conv3x3-count.jsonl").path, encoding: .utf8)
        let labels = try PredictorLabels.parse(lines: text.components(separatedBy: "\n"), space: space, metric: "conv3x3", path: "fixture").labels
        XCTAssertEqual(labels.count, 100)
        var o = PredictorTrainingOptions()
        o.steps = 250; o.batch = 16; o.seed = 0; o.width = 16
        let trainer = try PredictorTrainer(device: Device(), diffusion: Self.diffusion.0.record, metric: "conv3x3", direction: .higherIsBetter,
                                           labels: labels, support: PredictorLabels.support(space: space, table: nil, labels: labels), options: o)
        let p = try trainer.run()
        let rows = Array(stride(from: 7, to: table.rowCount, by: 52))
        let graphs = rows.map { GraphTensors(try! space.encode(table.standards[$0]), n: 8) }
        for (name, predictor, bar) in [("250 steps", p, 0.5), ("fixture", Self.predictor, 0.9)] {
            let rho = RankQuality.spearman(try predictor.predict(graphs, t: 0, noise: Self.diffusion.0.record, device: Device()),
                                           graphs.map(Self.conv3x3Count))
            print("predictor of the 3×3-convolution count (\(name)): Spearman \(rho) over \(rows.count) cells; held-out \(predictor.record.heldOut.map(\.spearman))")
            XCTAssertGreaterThan(rho, bar, name)
        }
        XCTAssertEqual(p.record.heldOut.map(\.t), [0, 125, 250, 375])
        XCTAssertGreaterThan(p.record.heldOut[0].spearman, p.record.heldOut[3].spearman, "clean graphs rank better than noisy ones")
        XCTAssertEqual(p.record.support.first, [1], "row 0 is the input op")
        XCTAssertEqual(p.record.support.last, [0], "the last row is the output op")
        XCTAssertEqual(p.record.support.middle[3], [2, 3, 4, 5, 6], "middle rows take the five edge ops")
        XCTAssertEqual(p.record.labels, 100)
        XCTAssertEqual(p.record.mean, labels.map(\.value).reduce(0, +) / 100, accuracy: 0.3, "standardised by the training labels")
    }

    func testPredictorFileRoundTripsAndRefusesAnotherNoiseModel() throws {
        let path = tmp("predictor.safetensors")
        try Self.predictor.write(to: path)
        let back = try Predictor.read(from: path)
        XCTAssertEqual(back.record, Self.predictor.record)
        XCTAssertEqual(back.parameters, Self.predictor.parameters)
        XCTAssertNoThrow(try back.requireCompatible(with: Self.diffusion.0.record, path: path))
        var other = Self.diffusion.0.record
        other.schedule = NoiseSchedule(steps: 400)
        XCTAssertThrowsError(try back.requireCompatible(with: other, path: path)) { e in
            XCTAssertTrue("\(e)".contains("another noise model"), "\(e)")
        }
        other = Self.diffusion.0.record
        other.space = "transnas-micro"
        XCTAssertThrowsError(try back.requireCompatible(with: other, path: path)) { e in XCTAssertTrue("\(e)".contains("space"), "\(e)") }
        let checkpointPath = tmp("not-a-predictor.safetensors")
        try Self.diffusion.0.write(to: checkpointPath, model: Self.diffusion.1)
        XCTAssertThrowsError(try Predictor.read(from: checkpointPath)) { e in
            XCTAssertTrue("\(e)".contains("--predictor") && "\(e)".contains("predictor train"), "\(e)"); XCTAssertFalse("\(e)".contains("\n"))
        }
    }

    func testLabelsFileRowsAndErrors() throws {
        let (space, _) = Self.loaded
        let arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
        let lines = [#"{"arch": "\#(arch)", "acc": 91.5}"#,                       // top-level metric
                     #"{"arch": "\#(arch)", "metrics": {"acc": 90}}"#,             // what `nasdiff sample` writes
                     #"{"arch": "\#(arch)"}"#,                                     // no metric
                     #"{"arch": "|bogus~0|", "acc": 3}"#,                          // not an architecture
                     "not json", ""]
        let (labels, skipped) = try PredictorLabels.parse(lines: lines, space: space, metric: "acc", path: "f.jsonl")
        XCTAssertEqual(labels.map(\.value), [91.5, 90])
        XCTAssertEqual(skipped, [3, 4, 5])
        XCTAssertThrowsError(try PredictorLabels.parse(lines: ["{}", "x"], space: space, metric: "acc", path: "f.jsonl")) { e in
            XCTAssertTrue("\(e)".hasPrefix("--labels f.jsonl:"), "\(e)")
        }
        XCTAssertThrowsError(try PredictorLabels.tableSample(space: space, table: Self.loaded.1, metric: "nope", count: 5, seed: 1)) { e in
            XCTAssertTrue("\(e)".hasPrefix("--metric nope:"), "\(e)")
        }
        XCTAssertThrowsError(try PredictorTrainer(device: Device(), diffusion: Self.diffusion.0.record, metric: "acc", direction: .higherIsBetter,
                                                  labels: Array(labels.prefix(2)), support: RowClassSupport(graphs: []),
                                                  options: PredictorTrainingOptions())) { e in
            XCTAssertTrue("\(e)".contains("at least 10"), "\(e)")
        }
    }

    /// The mean 3×3-convolution count of the valid graphs of a batch, and how many are valid.
    func predictedMean(_ graphs: [SampledGraph]) throws -> (mean: Double, valid: Int) {
        let (space, _) = Self.loaded
        let valid = graphs.map { GraphTensors.graph(nodes: $0.nodes, pairs: $0.pairs, n: 8, nodeCount: $0.nodeCount) }
            .filter { space.invalidReason($0) == nil }
        let scores = valid.map { Self.conv3x3Count(GraphTensors($0, n: 8)) }
        return (scores.reduce(0, +) / Double(max(scores.count, 1)), valid.count)
    }

    /// Guidance must raise the true count of 3×3 convolutions of the final graphs, and keep every sample valid.
    func testGuidanceMovesSamplesTowardThePredictorInBothModes() throws {
        let (ckpt, model) = Self.diffusion
        let sampler = try Sampler(device: Device(), checkpoint: ckpt, model: model)
        var o = SamplingOptions()
        o.batch = 24; o.steps = 12; o.seed = 11
        let plain = try predictedMean(try sampler.sampleBatch(o))
        o.predictors = [PredictorGuide(predictor: Self.predictor, weight: 30)]
        o.predictorLimit = 30
        for mode in PredictorGuidanceMode.allCases {
            o.predictorMode = mode
            let guidedGraphs = try sampler.sampleBatch(o)
            let guided = try predictedMean(guidedGraphs)
            print("predicted 3×3 count: unguided \(plain.mean), \(mode.rawValue) guidance \(guided.mean); valid \(guided.valid)/\(o.batch)")
            XCTAssertGreaterThan(guided.mean, plain.mean + 1, mode.rawValue)
            XCTAssertEqual(guided.valid, o.batch, "a row guided toward a class it cannot take would be invalid")
        }
    }

    func testGuidedRunOnOpenCLEqualsTheSwiftTwin() throws {
        guard let info = try OpenCLDiscovery.devices().first else { throw XCTSkip("no OpenCL device found: guided-run parity skipped") }
        let (ckpt, model) = Self.diffusion
        var o = SamplingOptions()
        o.batch = 8; o.steps = 6; o.seed = 5
        o.predictors = [PredictorGuide(predictor: Self.predictor, weight: 5), PredictorGuide(predictor: Self.predictor, weight: 2)]
        for mode in PredictorGuidanceMode.allCases {
            o.predictorMode = mode
            let swift = try Sampler(device: Device(), checkpoint: ckpt, model: model).sampleBatch(o)
            let cl = try Sampler(device: try Device(openCL: info), checkpoint: ckpt, model: model).sampleBatch(o)
            let same = zip(swift, cl).filter { $0.nodes == $1.nodes }.count
            print("guided run (\(mode.rawValue), two predictors): \(same)/\(swift.count) graphs identical on PoCL and the Swift twin")
            // A draw may differ where rounding moves u across a CDF step; then the runs part ways.
            XCTAssertGreaterThanOrEqual(same, swift.count - 1, mode.rawValue)
        }
    }

    func testExactGuidanceRefusesDiffusedEdges() throws {
        var record = Self.diffusion.0.record
        record.fixedEdges = false
        let d = Device()
        XCTAssertThrowsError(try PredictorGuidance(device: d, guides: [PredictorGuide(predictor: Self.predictor, weight: 1)], mode: .exact,
                                                   graphs: 2, nodeCounts: [8, 8], checkpoint: record, classesE: try d.makeBuffer(count: 128).all,
                                                   limit: 8)) { e in
            XCTAssertTrue("\(e)".hasPrefix("--predictor-guidance exact:"), "\(e)")
        }
        var o = SamplingOptions()
        o.predictors = [PredictorGuide(predictor: Self.predictor, weight: .nan)]
        XCTAssertThrowsError(try o.validate(trainedSteps: 500)) { e in XCTAssertTrue("\(e)".hasPrefix("--predictor-weight"), "\(e)") }
    }
}
