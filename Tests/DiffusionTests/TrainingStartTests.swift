import XCTest
@testable import Diffusion

/// How train starts from what is at its output path: fresh where nothing is, refused over an existing
/// checkpoint unless --resume or --overwrite, resumed to the checkpoint's own target or a new one, and
/// nothing to do once every step is trained; a lower target and both flags at once are refused.
final class TrainingStartTests: XCTestCase {
    func testEveryCase() throws {
        let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Models/nb201-small.safetensors").path   // trained 24,000 of 24,000 steps
        let missing = NSTemporaryDirectory() + "nasdiff-start-\(getpid())-missing.safetensors"

        guard case .fresh = try TrainingStart.decide(path: missing, resume: false, overwrite: false, steps: nil) else { return XCTFail("fresh") }
        guard case .fresh = try TrainingStart.decide(path: bundled, resume: false, overwrite: true, steps: nil) else { return XCTFail("overwrite") }
        XCTAssertThrowsError(try TrainingStart.decide(path: bundled, resume: false, overwrite: false, steps: nil)) {
            XCTAssertTrue("\($0)".contains("a checkpoint is there already"), "\($0)")
        }
        XCTAssertThrowsError(try TrainingStart.decide(path: bundled, resume: true, overwrite: true, steps: nil))
        XCTAssertThrowsError(try TrainingStart.decide(path: missing, resume: true, overwrite: false, steps: nil)) {
            XCTAssertTrue("\($0)".contains("no checkpoint to continue"), "\($0)")
        }
        guard case .finished(let done) = try TrainingStart.decide(path: bundled, resume: true, overwrite: false, steps: nil) else {
            return XCTFail("a finished checkpoint has nothing to do")
        }
        XCTAssertEqual(done, 24_000)
        guard case .resume(let ckpt) = try TrainingStart.decide(path: bundled, resume: true, overwrite: false, steps: 30_000) else {
            return XCTFail("a new target resumes")
        }
        XCTAssertEqual(ckpt.record.training.steps, 30_000)
        XCTAssertEqual(ckpt.record.step, 24_000)
        XCTAssertThrowsError(try TrainingStart.decide(path: bundled, resume: true, overwrite: false, steps: 100)) {
            XCTAssertTrue("\($0)".contains("already trained 24000 steps"), "\($0)")
        }
    }
}
