import XCTest
@testable import Compute

/// Views of rows: a slot taken as rows × width gives its first rows with `rows(_:)`, keeping its width;
/// flat windows (`sub`, `prefix`, `Buffer.all`) carry no width.
final class ViewTests: XCTestCase {
    func testRowsOfAShapedViewKeepItsOffsetAndWidth() throws {
        let d = Device()
        let b = try d.makeBuffer((0..<60).map(Float.init))
        let m = b.view(12, 40, width: 8)         // 5 rows of 8 from float 12
        let two = m.rows(2)
        XCTAssertEqual(two.offset, 12); XCTAssertEqual(two.count, 16); XCTAssertEqual(two.width, 8)
        XCTAssertEqual(try d.download(two), (12..<28).map(Float.init))
        XCTAssertEqual(m.rows(5).count, 40)
        XCTAssertEqual(m.rows(0).count, 0)
        XCTAssertNil(m.prefix(3).width)
        XCTAssertEqual(try d.download(m.prefix(3)), [12, 13, 14])
        XCTAssertNil(b.all.width)
        XCTAssertNil(m.sub(8, 8).width)
    }
}
