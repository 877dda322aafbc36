import XCTest
import SearchSpaces

final class DataLocatorTests: XCTestCase {
    /// The checkout holding this test file: <checkout>/Tests/SearchSpacesTests/<file>.
    let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func testEnvironmentVariableWins() throws {
        let data = (checkout as NSString).appendingPathComponent("Data")
        let found = try DataLocator.locate(variable: data, currentDirectory: "/", executable: nil, filePath: "/nowhere.swift")
        XCTAssertEqual(found.root, data)
    }

    func testEnvironmentVariablePointingNowhereIsAnError() {
        XCTAssertThrowsError(try DataLocator.locate(variable: "/no/such/folder", currentDirectory: checkout,
                                                    executable: nil, filePath: #filePath)) { error in
            XCTAssertTrue("\(error)".contains("NASDIFF_DATA=/no/such/folder"), "\(error)")
        }
    }

    func testCurrentDirectory() throws {
        let found = try DataLocator.locate(currentDirectory: checkout, executable: nil, filePath: "/nowhere.swift")
        XCTAssertEqual(found.root, (checkout as NSString).appendingPathComponent("Data"))
    }

    func testWalksUpFromTheExecutable() throws {
        let binary = checkout + "/.build/x86_64-unknown-linux-gnu/release/nasdiff"
        let found = try DataLocator.locate(currentDirectory: "/", executable: binary, filePath: "/nowhere.swift")
        XCTAssertEqual(found.root, checkout + "/Data")
    }

    func testWalksUpFromTheSourceFile() throws {
        let found = try DataLocator.locate(currentDirectory: "/", executable: nil, filePath: #filePath)
        XCTAssertTrue(FileManager.default.fileExists(atPath: found.path(NB201Table.accuracyFile)), found.root)
    }

    func testNotFoundSaysHowToPointAtIt() {
        XCTAssertThrowsError(try DataLocator.locate(currentDirectory: "/", executable: "/usr/bin/nasdiff", filePath: "/nowhere.swift")) { error in
            XCTAssertTrue("\(error)".contains("NASDIFF_DATA="), "\(error)")
        }
    }
}
