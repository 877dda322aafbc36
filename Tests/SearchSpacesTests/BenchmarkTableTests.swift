import XCTest
import SearchSpaces

final class BenchmarkTableTests: XCTestCase {
    /// Published NB201 optima (200 epochs; Data/PROVENANCE.md and the NB201 paper).
    func testNB201OptimaMatchThePublishedValues() throws {
        let table = TestData.nb201
        XCTAssertEqual(table.rowCount, 15_625)
        for (metric, value, index) in [("cifar10-valid", 91.61, "6111"), ("cifar100", 73.50, "9930"), ("imagenet16-120", 46.88, "3888")] {
            let row = try table.bestRow(metric)
            XCTAssertEqual(table.keys[row], index, metric)
            XCTAssertEqual((try table.value(metric, row: row) * 100).rounded() / 100, value, accuracy: 1e-9, metric)
            XCTAssertEqual(try table.metric(named: metric).direction, .higherIsBetter)
        }
    }

    func testNB201Metrics() throws {
        let table = TestData.nb201
        let names = table.metrics.map(\.name)
        // PROVENANCE: 27 HELP latency settings (5 GPUs × 3 batch sizes, 4 CPUs, 4 HW-NAS-Bench, 4 BRP-NAS).
        XCTAssertEqual(names.filter { $0.hasPrefix("lat-") }.count, 27)
        for name in ["lat-pixel3", "lat-raspi4", "lat-fpga", "lat-eyeriss", "lat-1080ti-256", "lat-titan-rtx-1",
                     "lat-essential-ph-1", "params-cifar10", "train-time-imagenet16-120", "cifar10-valid-12ep"] {
            XCTAssertTrue(names.contains(name), name)
        }
        XCTAssertEqual(try table.metric(named: "lat-pixel3").direction, .lowerIsBetter)
        XCTAssertEqual(try table.metric(named: "params-cifar10").direction, .lowerIsBetter)
        // Row 0 of nb201_hardware.csv: lat_ms_pixel3_help 3.60585, params_mb_cifar10 0.129306.
        XCTAssertEqual(try table.value("lat-pixel3", row: 0), 3.60585)
        XCTAssertEqual(try table.value("params-cifar10", row: 0), 0.129306)
        XCTAssertEqual(table.keys[0], "0")
        XCTAssertThrowsError(try table.column("cifar10")) { error in
            XCTAssertTrue("\(error)".contains("cifar10-valid"), "the error lists the known metrics: \(error)")
        }
    }

    func testTransNASMetrics() throws {
        let table = TestData.transNAS
        XCTAssertEqual(table.metrics.map(\.name).sorted(),
                       ["autoencoder", "class-object", "class-scene", "jigsaw", "normal", "room-layout", "segmentsemantic"])
        // Line 2 of the CSV: "(0, 0, 0, 0, 0, 0)",7.48408,-1.09428,…
        XCTAssertEqual(table.standards[0], "(0, 0, 0, 0, 0, 0)")
        XCTAssertEqual(try table.value("room-layout", row: 0), -1.09428)
    }

    /// The requirement is ≤ 0.2 s in a release build; a debug build is only held to a loose bound.
    /// Judged on this thread's CPU time, so a busy machine does not fail it; wall time is printed too.
    func testNB201LoadTime() throws {
        func cpuSeconds() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        let start = Date(), cpuStart = cpuSeconds()
        let table = try NB201Table.load(from: TestData.locator)
        let cpu = cpuSeconds() - cpuStart, wall = Date().timeIntervalSince(start)
        XCTAssertEqual(table.rowCount, 15_625)
        print(String(format: "NB201 table load: %.3f s CPU, %.3f s wall", cpu, wall))
        #if DEBUG
        XCTAssertLessThan(cpu, 5)
        #else
        XCTAssertLessThanOrEqual(cpu, 0.2)
        #endif
    }

    // MARK: malformed files

    static let header = "naslib_arch_tuple,class_scene,room_layout,jigsaw,class_object,segmentsemantic,normal,autoencoder"
    static let goodRow = "\"(0, 0, 0, 0, 0, 0)\",7.48408,-1.09428,0.04976,26.54757,91.89356,0.27705,0.04184"

    func assertLoadError(_ text: String, line: Int?, column: Int?, columnName: String?, mentions: String,
                         file: StaticString = #filePath, at: UInt = #line) throws {
        let path = try TestData.temporaryFile(named: "micro.csv", contents: text)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        XCTAssertThrowsError(try TransNASMicroTable.load(path: path), file: file, line: at) { error in
            guard let e = error as? DataFileError else { return XCTFail("\(error)", file: file, line: at) }
            XCTAssertEqual(e.file, path, file: file, line: at)
            XCTAssertEqual(e.line, line, file: file, line: at)
            XCTAssertEqual(e.column, column, file: file, line: at)
            XCTAssertEqual(e.columnName, columnName, file: file, line: at)
            XCTAssertTrue(e.description.contains(mentions), e.description, file: file, line: at)
            XCTAssertTrue(e.description.hasPrefix(path), e.description, file: file, line: at)
        }
    }

    func testBadNumberNamesFileLineAndColumn() throws {
        let bad = "\"(0, 0, 0, 0, 0, 1)\",7.48408,-1.09428,abc,26.54757,91.89356,0.27705,0.04184"
        try assertLoadError([Self.header, Self.goodRow, bad].joined(separator: "\n") + "\n",
                            line: 3, column: 4, columnName: "jigsaw", mentions: "'abc'")
    }

    func testEmptyFieldNamesFileLineAndColumn() throws {
        let bad = "\"(0, 0, 0, 0, 0, 1)\",7.48408,-1.09428,0.1,26.54757,,0.27705,0.04184"
        try assertLoadError([Self.header, Self.goodRow, bad].joined(separator: "\r\n"),
                            line: 3, column: 6, columnName: "segmentsemantic", mentions: "empty")
    }

    func testMissingFieldsNameTheFirstMissingColumn() throws {
        let bad = "\"(0, 0, 0, 0, 0, 1)\",7.48408,-1.09428"
        try assertLoadError([Self.header, Self.goodRow, Self.goodRow.replacingOccurrences(of: "0)", with: "2)"), bad].joined(separator: "\n"),
                            line: 4, column: 4, columnName: "jigsaw", mentions: "expected 8 fields")
    }

    func testUnclosedQuoteNamesWhereItStarted() throws {
        let bad = "\"(0, 0, 0, 0, 0, 1),7.48408,-1.09428,0.1,26.54757,1,0.27705,0.04184"
        try assertLoadError([Self.header, Self.goodRow, bad].joined(separator: "\n"),
                            line: 3, column: 1, columnName: nil, mentions: "not closed")
    }

    func testBadKeyNamesTheKeyColumn() throws {
        let bad = "\"(0, 0, 0, 0, 0, 7)\",7.48408,-1.09428,0.1,26.54757,1,0.27705,0.04184"
        try assertLoadError([Self.header, Self.goodRow, bad].joined(separator: "\n"),
                            line: 3, column: 1, columnName: "naslib_arch_tuple", mentions: "(0, 0, 0, 0, 0, 7)")
    }

    func testMissingColumnListsTheHeader() throws {
        try assertLoadError("naslib_arch_tuple,class_scene\n\"(0, 0, 0, 0, 0, 0)\",1\n",
                            line: 1, column: nil, columnName: nil, mentions: "no column named 'class_object'")
    }

    func testMissingFileIsNamed() {
        XCTAssertThrowsError(try TransNASMicroTable.load(path: "/nonexistent/micro.csv")) { error in
            XCTAssertEqual((error as? DataFileError)?.file, "/nonexistent/micro.csv")
            XCTAssertTrue("\(error)".contains("not found"))
        }
    }

    func testQuotedFieldsWithEscapedQuotesAndCRLF() throws {
        // A quoted key with a doubled quote inside is read, then rejected as a key, naming it unescaped.
        let bad = "\"(0, 0, 0, 0, 0, \"\"1)\",7.48408,-1.09428,0.1,26.54757,1,0.27705,0.04184"
        try assertLoadError([Self.header, Self.goodRow, bad].joined(separator: "\r\n") + "\r\n",
                            line: 3, column: 1, columnName: "naslib_arch_tuple", mentions: "(0, 0, 0, 0, 0, \"1)")
    }

    func testNB201HardwareMismatchIsReported() throws {
        let accuracy = try String(contentsOfFile: TestData.locator.path(NB201Table.accuracyFile), encoding: .utf8)
        let hardware = try String(contentsOfFile: TestData.locator.path(NB201Table.hardwareFile), encoding: .utf8)
        var hwLines = hardware.components(separatedBy: "\r\n")
        // Line 4 (arch_index 2): corrupt the pixel3 latency.
        let header = hwLines[0].components(separatedBy: ",")
        let pixel3 = try XCTUnwrap(header.firstIndex(of: "lat_ms_pixel3_help"))
        var fields = hwLines[3].components(separatedBy: ",")
        fields[pixel3] = "fast"
        hwLines[3] = fields.joined(separator: ",")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nasdiff-nb201-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let accPath = folder.appendingPathComponent("acc.csv").path, hwPath = folder.appendingPathComponent("hw.csv").path
        try accuracy.write(toFile: accPath, atomically: true, encoding: .utf8)
        try hwLines.joined(separator: "\r\n").write(toFile: hwPath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try NB201Table.load(accuracyPath: accPath, hardwarePath: hwPath)) { error in
            let e = error as? DataFileError
            XCTAssertEqual(e?.file, hwPath)
            XCTAssertEqual(e?.line, 4)
            XCTAssertEqual(e?.column, pixel3 + 1)
            XCTAssertEqual(e?.columnName, "lat_ms_pixel3_help")
        }
    }
}
