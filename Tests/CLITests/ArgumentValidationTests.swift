import ArgumentParser
import XCTest
@testable import nasdiff

/// Counts the commands divide by (sample's --count and --batch, bench's --batch, --steps and
/// --repetitions) are refused when parsed, before a checkpoint is read or a device started.
final class ArgumentValidationTests: XCTestCase {
    func assertRefused(_ command: ParsableCommand.Type, _ arguments: [String], naming flag: String, line: UInt = #line) {
        XCTAssertThrowsError(try command.parse(arguments), line: line) { error in
            let message = command.message(for: error)
            XCTAssertTrue(message.contains(flag), "\(arguments): \(message)", line: line)
        }
    }

    func testZeroCountsAreRefused() {
        assertRefused(SampleCommand.self, ["--count", "0"], naming: "--count")
        assertRefused(SampleCommand.self, ["--batch", "0"], naming: "--batch")
        assertRefused(BenchSample.self, ["--batch", "0"], naming: "--batch")
        assertRefused(BenchSample.self, ["--repetitions", "0"], naming: "--repetitions")
        assertRefused(BenchSample.self, ["--guidance", "composed"], naming: "--guidance")
        assertRefused(BenchTrain.self, ["--steps", "0"], naming: "--steps")
        assertRefused(BenchTrain.self, ["--batch", "0"], naming: "--batch")
    }

    /// --weight and --guidance depend on no checkpoint, so they are refused when parsed too, with the
    /// sample command's usage under the message.
    func testGuidanceWeightsAreRefusedWhenParsed() {
        assertRefused(SampleCommand.self, ["--weight", "1,2", "--condition", "cifar10-valid"], naming: "--weight")
        assertRefused(SampleCommand.self, ["--weight", "x"], naming: "--weight")
        assertRefused(SampleCommand.self, ["--guidance", "composed", "--weight", "1,2,3", "--condition", "a", "--condition", "b"], naming: "--weight")
        assertRefused(SampleCommand.self, ["--guidance", "classifier"], naming: "--guidance")
        XCTAssertNoThrow(try SampleCommand.parse(["--guidance", "composed", "--weight", "1,2", "--condition", "a", "--condition", "b"]))
    }

    /// Predictor guidance's flags: a weight that is not a finite number, a weight list that does not match
    /// the predictors, an unknown mode, and predictor training without exactly one source of labels.
    func testPredictorFlagsAreRefusedWhenParsed() {
        assertRefused(SampleCommand.self, ["--predictor", "p.safetensors", "--predictor-weight", "nan"], naming: "--predictor-weight")
        assertRefused(SampleCommand.self, ["--predictor", "p.safetensors", "--predictor-weight", "inf"], naming: "--predictor-weight")
        assertRefused(SampleCommand.self, ["--predictor", "a", "--predictor", "b", "--predictor-weight", "1,2,3"], naming: "--predictor-weight")
        assertRefused(SampleCommand.self, ["--predictor-guidance", "second-order"], naming: "--predictor-guidance")
        assertRefused(BenchSample.self, ["--predictor", "gradient"], naming: "--predictor")
        assertRefused(PredictorTrain.self, ["--metric", "cifar100", "--out", "p"], naming: "--labels")
        assertRefused(PredictorTrain.self, ["--metric", "cifar100", "--out", "p", "--labels", "f", "--table-sample", "9"], naming: "--table-sample")
        assertRefused(PredictorTrain.self, ["--metric", "cifar100", "--out", "p", "--table-sample", "0"], naming: "--table-sample")
        assertRefused(PredictorTrain.self, ["--metric", "x", "--out", "p", "--labels", "f", "--direction", "up"], naming: "--direction")
        XCTAssertNoThrow(try SampleCommand.parse(["--predictor", "a", "--predictor", "b", "--predictor-weight", "1,2", "--predictor-guidance", "exact"]))
        XCTAssertNoThrow(try PredictorTrain.parse(["--metric", "cifar100", "--out", "p", "--table-sample", "100"]))
    }

    func testDefaultsParse() {
        XCTAssertNoThrow(try SampleCommand.parse([]))
        XCTAssertNoThrow(try SampleCommand.parse(["--count", "1", "--batch", "1"]))
        XCTAssertNoThrow(try BenchSample.parse([]))
        XCTAssertNoThrow(try BenchTrain.parse(["--steps", "1"]))
    }
}
