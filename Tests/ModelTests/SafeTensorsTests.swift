import XCTest
@testable import Model

final class SafeTensorsTests: XCTestCase {
    /// A scratch path, removed when the test ends.
    func path(_ name: String) -> String {
        let p = NSTemporaryDirectory() + "nasdiff-test-\(getpid())-" + name
        addTeardownBlock { try? FileManager.default.removeItem(atPath: p) }
        return p
    }

    func testRoundTripAndHeaderLayout() throws {
        let p = path("rt.safetensors")
        let st = SafeTensors(tensors: ["a": .init(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), "b": .init(shape: [1], values: [-7])],
                             metadata: ["k": "v"])
        try st.write(to: p)
        let back = try SafeTensors.read(from: p)
        XCTAssertEqual(back.tensors["a"]?.values, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(back.tensors["a"]?.shape, [2, 3])
        XCTAssertEqual(back.metadata, ["k": "v"])
        // The format itself: u64 header length, then JSON whose offsets index the data section.
        let data = try Data(contentsOf: URL(fileURLWithPath: p))
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(data.count, 8 + Int(n) + 7 * 4)
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + Int(n)))) as! [String: Any]
        XCTAssertEqual((header["a"] as! [String: Any])["data_offsets"] as! [Int], [0, 24])
        XCTAssertEqual((header["a"] as! [String: Any])["dtype"] as! String, "F32")
    }

    func testTruncatedAndCorruptFilesSayWhat() throws {
        let p = path("bad.safetensors")
        try SafeTensors(tensors: ["a": .init(shape: [100], values: .init(repeating: 1, count: 100))]).write(to: p)
        let data = try Data(contentsOf: URL(fileURLWithPath: p))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: p))
        XCTAssertThrowsError(try SafeTensors.read(from: p)) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
        try Data("hello, this is not a checkpoint".utf8).write(to: URL(fileURLWithPath: p))
        XCTAssertThrowsError(try SafeTensors.read(from: p)) { XCTAssertTrue("\($0)".contains(p), "\($0)") }
    }

    /// A tensor's header with a shape whose product overflows is refused (not a crash in the multiply).
    func testShapesWhoseProductOverflowsAreRefused() throws {
        let p = path("overflow.safetensors")
        for shape in [[1 << 32, 1 << 32], [Int.max, 2], [-1, 4]] {
            let header = try JSONSerialization.data(withJSONObject: ["a": ["dtype": "F32", "shape": shape, "data_offsets": [0, 16]]])
            var file = Data()
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
            file.append(header)
            file.append(Data(count: 16))
            try file.write(to: URL(fileURLWithPath: p))
            XCTAssertThrowsError(try SafeTensors.read(from: p)) { XCTAssertTrue("\($0)".contains("shape"), "\(shape): \($0)") }
        }
    }

    /// The checksum of the tensor bytes: a flipped byte is refused as damaged; a file without one (older
    /// checkpoints) loads.
    func testChecksumCatchesDamagedTensorBytes() throws {
        let p = path("checksum.safetensors")
        let st = SafeTensors(tensors: ["a": .init(shape: [4], values: [1, 2, 3, 4])], metadata: ["k": "v"])
        try st.write(to: p)
        var data = try Data(contentsOf: URL(fileURLWithPath: p))
        XCTAssertNoThrow(try SafeTensors.read(from: p))
        data[data.count - 2] ^= 0x40
        try data.write(to: URL(fileURLWithPath: p))
        XCTAssertThrowsError(try SafeTensors.read(from: p)) { XCTAssertTrue("\($0)".contains("damaged"), "\($0)") }

        let n = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        var header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as! [String: Any]
        var metadata = header["__metadata__"] as! [String: String]
        XCTAssertNotNil(metadata.removeValue(forKey: SafeTensors.checksumKey), "written files carry a checksum")
        header["__metadata__"] = metadata
        let unchecked = try JSONSerialization.data(withJSONObject: header)
        var file = Data()
        withUnsafeBytes(of: UInt64(unchecked.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(unchecked)
        file.append(data.suffix(from: 8 + n))
        try file.write(to: URL(fileURLWithPath: p))
        XCTAssertEqual(try SafeTensors.read(from: p).tensors["a"]?.values.count, 4, "no checksum: loads unchecked")
    }
}
