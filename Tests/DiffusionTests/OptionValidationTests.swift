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
