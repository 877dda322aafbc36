import XCTest
import Diffusion

/// Settings that would crash a run (division by zero, a failed precondition, T so large its schedule
/// does not fit in memory) or train and sample nonsense (NaN learning rate or guidance weight, negative
/// edge-loss weight) are refused up front, with the flag named; the defaults and the edges of each
/// range pass.
final class OptionValidationTests: XCTestCase {
    func assertRefused(_ body: () throws -> Void, naming flag: String, _ line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertTrue("\(error)".hasPrefix(flag), "\(error) should name \(flag)", line: line)
        }
    }

    func testTrainingOptions() throws {
        XCTAssertNoThrow(try TrainingOptions().validate())
        var edges = TrainingOptions()
        edges.steps = 0; edges.edgeWeight = 0; edges.nullProbability = 1; edges.weightDecay = 0; edges.validationFraction = 0
        XCTAssertNoThrow(try edges.validate())

        let bad: [(String, (inout TrainingOptions) -> Void)] = [
            ("--batch", { $0.batch = 0 }), ("--steps", { $0.steps = -1 }), ("--diffusion-steps", { $0.diffusionSteps = 0 }),
            ("--diffusion-steps", { $0.diffusionSteps = 100_000_000 }),
            ("--lr", { $0.learningRate = .nan }), ("--lr", { $0.learningRate = -1e-3 }), ("--lr", { $0.learningRate = .infinity }),
            ("--edge-weight", { $0.edgeWeight = -1 }), ("--null-probability", { $0.nullProbability = 1.5 }),
            ("--null-probability", { $0.nullProbability = .nan }), ("--checkpoint-every", { $0.checkpointEvery = 0 }),
            ("--validate-every", { $0.validateEvery = 0 }), ("beta2", { $0.beta2 = 1 }), ("epsilon", { $0.epsilon = 0 }),
            ("validation fraction", { $0.validationFraction = 1 }),
        ]
        for (flag, change) in bad {
            var o = TrainingOptions()
            change(&o)
            assertRefused({ try o.validate() }, naming: flag)
        }
    }

    func testSamplingOptions() throws {
        XCTAssertNoThrow(try SamplingOptions().validate(trainedSteps: 500))
        var edges = SamplingOptions()
        edges.steps = 500; edges.supportThreshold = 0; edges.guidance = .joint(weight: -1)
        XCTAssertNoThrow(try edges.validate(trainedSteps: 500))
        edges.steps = 1
        XCTAssertNoThrow(try edges.validate(trainedSteps: 500))

        let bad: [(String, (inout SamplingOptions) -> Void)] = [
            ("--batch", { $0.batch = 0 }), ("--steps", { $0.steps = 0 }), ("--steps", { $0.steps = 501 }),
            ("--support-threshold", { $0.supportThreshold = -0.1 }), ("--support-threshold", { $0.supportThreshold = 1 }),
            ("--support-threshold", { $0.supportThreshold = .nan }), ("--weight", { $0.guidance = .joint(weight: .nan) }),
            ("--weight", { $0.guidance = .joint(weight: .infinity) }),
        ]
        for (flag, change) in bad {
            var o = SamplingOptions()
            change(&o)
            assertRefused({ try o.validate(trainedSteps: 500) }, naming: flag)
        }
    }
}

/// --guidance, --weight and --predictor-weight as the sampler reads them: one weight for all, or one per
/// condition (composed) or predictor; anything else refused naming the flag.
final class GuidanceParsingTests: XCTestCase {
    func testWeightsPerConditionAndPredictor() throws {
        let (joint, jw) = try Guidance.parse(mode: "joint", weights: "2", conditions: 2)
        XCTAssertEqual(joint, .joint(weight: 2))
        XCTAssertEqual(jw, [2, 2])
        let (composed, cw) = try Guidance.parse(mode: "composed", weights: "1, 3", conditions: 2)
        XCTAssertEqual(composed, .composed)
        XCTAssertEqual(cw, [1, 3])
        XCTAssertEqual(try Guidance.predictorWeights("100", count: 3), [100, 100, 100])
        XCTAssertEqual(try Guidance.predictorWeights("5,-1", count: 2), [5, -1])
        let refused: [(() throws -> Any, String)] = [
            ({ try Guidance.parse(mode: "joint", weights: "1,2", conditions: 2) }, "--weight"),
            ({ try Guidance.parse(mode: "composed", weights: "1,2,3", conditions: 2) }, "--weight"),
            ({ try Guidance.parse(mode: "classifier", weights: "1", conditions: 1) }, "--guidance"),
            ({ try Guidance.parse(mode: "joint", weights: "nan", conditions: 1) }, "--weight"),
            ({ try Guidance.predictorWeights("1,2", count: 3) }, "--predictor-weight"),
            ({ try Guidance.predictorWeights("inf", count: 1) }, "--predictor-weight"),
        ]
        for (body, flag) in refused {
            XCTAssertThrowsError(try body()) { XCTAssertTrue("\($0)".hasPrefix(flag), "\($0)") }
        }
    }
}
