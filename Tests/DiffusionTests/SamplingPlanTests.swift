import XCTest
@testable import Diffusion
import Model

/// The host side of a sampled batch, without a device: passes per guidance mode, the y rows each pass
/// asks for (the layout training writes), the visited timesteps, node counts from the histogram, the
/// reverse-step matrices and the guidance mix.
final class SamplingPlanTests: XCTestCase {
    static let record: CheckpointRecord = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Models/nb201-small.safetensors").path
        return try! Checkpoint.read(from: path).0.record   // cifar10-valid:top5%, lat-pixel3:<=p25; T = 500
    }()

    /// Targets as (condition index, class, weight).
    func options(_ guidance: Guidance, targets: [(Int, Int, Double)]) -> SamplingOptions {
        var o = SamplingOptions()
        o.batch = 4; o.steps = 50; o.seed = 3; o.guidance = guidance
        let metrics = Self.record.conditions.map(\.metric)
        o.targets = targets.map { try! ConditionTarget(parsing: "\(metrics[$0.0])=\($0.1)", conditions: Self.record.conditions, weight: $0.2) }
        return o
    }

    func row(_ plan: SamplingPlan, step k: Int, pass p: Int) -> [Float] {
        let w = Self.record.model.conditionWidth
        return Array(plan.yRows[((k * plan.passes + p) * w)..<((k * plan.passes + p + 1) * w)])
    }

    func testJointGuidanceAsksForEveryTargetInOnePass() {
        let plan = SamplingPlan(record: Self.record, options: options(.joint(weight: 2), targets: [(0, 1, 2), (1, 1, 2)]), batchIndex: 0)
        XCTAssertEqual(plan.passes, 2)
        XCTAssertEqual(plan.times.first, 500)
        XCTAssertEqual(plan.times.last, 0)
        XCTAssertEqual(plan.stepCount, 50)
        XCTAssertEqual(row(plan, step: 0, pass: 0), [0, 0, 0, 0, 1], "the null pass: no condition, t/T = 1")
        XCTAssertEqual(row(plan, step: 0, pass: 1), [0, 1, 0, 1, 1])
        XCTAssertEqual(row(plan, step: 49, pass: 1), [0, 1, 0, 1, 10 / 500])
        XCTAssertEqual(plan.mix, [3, -2], "(1 + w)·f(c) − w·f(∅)")
        XCTAssertEqual(plan.nodeCounts, [8, 8, 8, 8], "every NB201 cell has 8 nodes")
        XCTAssertEqual(plan.nodeMask, [Float](repeating: 1, count: 2 * 4 * 8))
        XCTAssertEqual(plan.supportThreshold, SamplingOptions().supportThreshold)
    }

    func testComposedGuidanceHasAPassPerTarget() {
        let plan = SamplingPlan(record: Self.record, options: options(.composed, targets: [(0, 1, 1), (1, 1, 3)]), batchIndex: 0)
        XCTAssertEqual(plan.passes, 3)
        XCTAssertEqual(row(plan, step: 0, pass: 1), [0, 1, 0, 0, 1])
        XCTAssertEqual(row(plan, step: 0, pass: 2), [0, 0, 0, 1, 1])
        // f(∅)·(1 − Σ(1 + w_k)) + Σ (1 + w_k)·f(c_k): the first pass carries the null term.
        XCTAssertEqual(plan.mix, [2, 1 - (2 + 4), 4, 1])
    }

    func testUnconditionalSamplingIsOnePassWithoutThreshold() {
        let plan = SamplingPlan(record: Self.record, options: options(.joint(weight: 2), targets: []), batchIndex: 0)
        XCTAssertEqual(plan.passes, 1)
        XCTAssertEqual(plan.mix, [])
        XCTAssertEqual(plan.supportThreshold, 0)
    }

    /// Each step's matrices: Q_{s→t}, Q̄_s, Q̄_t for nodes (7 classes), then for pairs (2), all
    /// row-stochastic; a batch index changes the seed and nothing else.
    func testMatricesAreRowStochasticAndSeedsDifferPerBatch() {
        let o = options(.joint(weight: 2), targets: [(0, 1, 2)])
        let plan = SamplingPlan(record: Self.record, options: o, batchIndex: 0)
        XCTAssertEqual(plan.matrixStride, 3 * 49 + 3 * 4)
        XCTAssertEqual(plan.matrices.count, 50 * plan.matrixStride)
        for k in [0, 25, 49] {
            let block = Array(plan.matrices[(k * plan.matrixStride)..<((k + 1) * plan.matrixStride)])
            for (offset, d) in [(0, 7), (49, 7), (98, 7), (147, 2), (151, 2), (155, 2)] {
                for r in 0..<d { XCTAssertEqual(block[(offset + r * d)..<(offset + (r + 1) * d)].reduce(0, +), 1, accuracy: 1e-5) }
            }
        }
        let other = SamplingPlan(record: Self.record, options: o, batchIndex: 1)
        XCTAssertNotEqual(other.seed, plan.seed)
        XCTAssertEqual(other.yRows, plan.yRows)
        XCTAssertEqual(SamplingPlan(record: Self.record, options: o, batchIndex: 0).seed, plan.seed)
    }
}
