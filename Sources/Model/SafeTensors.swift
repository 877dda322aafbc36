import Foundation

// The safetensors format (as the `safetensors` library defines it): an 8-byte little-endian header
// length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {string: string}}, then the raw little-endian tensor bytes. We write F32 only. Files are written
// to a temporary name and renamed, so a crash never leaves a half-written checkpoint.

public struct SafeTensors: Sendable {
    public struct Tensor: Sendable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
    }

    public var tensors: [String: Tensor]
    public var metadata: [String: String]

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public func write(to path: String) throws {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.values.count * 4]] as [String: Any]
            offset += t.values.count * 4
        }
        var meta = metadata
        meta[Self.checksumKey] = Self.checksum(names.map { tensors[$0]!.values })
        header["__metadata__"] = meta
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }   // pad with spaces so the data is 8-aligned
        var data = Data(capacity: 8 + json.count + offset)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names {
            tensors[name]!.values.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        }
        let tmp = path + ".tmp-\(getpid())"
        try data.write(to: URL(fileURLWithPath: tmp))
        if rename(tmp, path) != 0 {
            let err = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)
            throw ModelError.checkpoint(path: path, problem: "could not rename the temporary file into place: \(err)")
        }
    }

    public static func read(from path: String) throws -> SafeTensors {
        func fail(_ s: String) -> ModelError { .checkpoint(path: path, problem: s) }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read the file (does it exist?)") }
        guard data.count >= 8 else { throw fail("truncated: \(data.count) bytes, not even a header length") }
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian
        guard n < 100_000_000, 8 + Int(n) <= data.count else { throw fail("header length \(n) does not fit a file of \(data.count) bytes: truncated or not a safetensors file") }
        let headerData = data.subdata(in: 8..<(8 + Int(n)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw fail("the header is not valid JSON: not a safetensors file, or corrupted")
        }
        let base = 8 + Int(n)
        var result = SafeTensors()
        // Sorted, so that a file with several faults reports the same one on every run.
        for name in header.keys.sorted() {
            let value = header[name]!
            if name == "__metadata__" {
                guard let metadata = value as? [String: String] else { throw fail("'__metadata__' is not a map of strings") }
                result.metadata = metadata
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' has a malformed header entry")
            }
            guard dtype == "F32" else { throw fail("tensor '\(name)' is \(dtype); only F32 is supported") }
            // Every size is checked against the file before it is multiplied out or allocated.
            var count = 1
            for d in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow, product <= data.count else { throw fail("tensor '\(name)' has shape \(shape), larger than the file") }
                count = product
            }
            guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == count * 4, offsets[1] <= data.count - base else {
                throw fail("tensor '\(name)' lies outside the file (truncated?)")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                data.copyBytes(to: dst.bindMemory(to: UInt8.self), from: (base + offsets[0])..<(base + offsets[1]))
            }
            result.tensors[name] = Tensor(shape: shape, values: values)
        }
        if let expected = result.metadata.removeValue(forKey: checksumKey) {
            let actual = checksum(header.keys.filter { $0 != "__metadata__" }.sorted().map { result.tensors[$0]!.values })
            guard actual == expected else { throw fail("the tensor bytes do not match the file's checksum: the file is damaged") }
        }
        return result
    }

    /// Metadata key of the checksum of every tensor's bytes, in name order (files without one, such as
    /// older checkpoints, load unchecked).
    public static let checksumKey = "fnv1a64"

    /// FNV-1a's step over each float's 32 bits (not bytes: four times fewer steps), 64-bit state: cheap,
    /// and enough to catch damage (not an attacker).
    static func checksum(_ arrays: [[Float]]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for a in arrays {
            for v in a { h = (h ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01B3 }
        }
        return String(h, radix: 16)
    }
}
