import ArgumentParser
import XCTest
@testable import nasdiff

/// `nasdiff evaluate` on a file with no sample in it (the wrong file) fails; a file with some bad
/// lines among good ones reports the good ones and lists the bad.
final class EvaluateInputTests: XCTestCase {
    func testAFileWithoutSamplesFails() throws {
        let path = NSTemporaryDirectory() + "nasdiff-\(getpid())-notsamples.jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "# a README\n\nsome text\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Evaluate.parse([path, "--space", "nb201"]).run()) { error in
            let message = Evaluate.message(for: error)
            XCTAssertTrue(message.contains("none of its 2 non-empty line(s) is a sample"), message)
        }
        try "# a README\n{\"arch\": \"|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|\"}\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertNoThrow(try Evaluate.parse([path, "--space", "nb201"]).run())
    }
}
