import XCTest
import SearchSpaces

final class SpaceRegistryTests: XCTestCase {
    func testLookupByNameAndAlias() throws {
        XCTAssertEqual(try SpaceRegistry.named("nb201").name, "nb201")
        XCTAssertEqual(try SpaceRegistry.named("NB201").name, "nb201")
        XCTAssertEqual(try SpaceRegistry.named("transnas-micro").name, "transnas-micro")
        XCTAssertEqual(try SpaceRegistry.named("tnb101-micro").name, "transnas-micro")
        XCTAssertEqual(try SpaceRegistry.named("nb201").size, 15_625)
    }

    func testUnknownNameListsTheKnownOnes() {
        XCTAssertThrowsError(try SpaceRegistry.named("nb999")) { error in
            guard case .unknownSpace(let name, let known)? = error as? SearchSpaceError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "nb999")
            XCTAssertTrue(known.contains("nb201") && known.contains("transnas-micro"), "\(known)")
        }
    }

    func testRegisteredTablesLoad() throws {
        for name in ["nb201", "transnas-micro"] {
            let entry = try SpaceRegistry.entry(named: name)
            let table = try XCTUnwrap(entry.loadTable)(TestData.locator)
            XCTAssertEqual(table.space, name)
            XCTAssertEqual(table.rowCount, entry.space.size)
        }
    }
}
