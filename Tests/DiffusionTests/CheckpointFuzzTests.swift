import XCTest
@testable import Compute
@testable import Diffusion
import Model

/// Structure-aware fuzzing of the bundled checkpoint's header: one value changed, still valid JSON. Each
/// mutant must either be refused with one line or sample; a crash ends the test process, which the suite
/// reports. Seeded: the same mutants every run.
final class CheckpointFuzzTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Values a loader must not trust: zero, negative, huge, non-integer, the wrong type.
    nonisolated(unsafe) static let replacements: [Any] = [0, -1, 1, 2, 3, 7, 1_000_000, 1 << 40, Int.max, -Int.max, 0.5, -0.5, 1e308, "x", true, [Any](), NSNull()]

    /// Every path to a value in a JSON tree (arrays: a few of their indices), with the parent's kind.
    static func paths(_ value: Any, _ prefix: [Any] = []) -> [[Any]] {
        var out: [[Any]] = [prefix]
        if let d = value as? [String: Any] {
            for k in d.keys.sorted() { out += paths(d[k]!, prefix + [k]) }
        } else if let a = value as? [Any] {
            for i in Set([0, 1, a.count / 2, a.count - 1]).filter({ $0 >= 0 && $0 < a.count }).sorted() { out += paths(a[i], prefix + [i]) }
        }
        return out
    }

    /// `root` with the value at `path` changed by `change` (nil removes it, or shortens an array).
    static func mutate(_ root: Any, _ path: ArraySlice<Any>, _ change: (Any) -> Any?) -> Any? {
        guard let head = path.first else { return change(root) }
        if var d = root as? [String: Any], let k = head as? String {
            d[k] = mutate(d[k]!, path.dropFirst(), change)
            return d
        }
        if var a = root as? [Any], let i = head as? Int {
            if let v = mutate(a[i], path.dropFirst(), change) { a[i] = v } else { a.remove(at: i) }
            return a
        }
        return root
    }

    func testMutatedHeadersAreRefusedInOneLineOrSample() throws {
        let source = Self.repository.appendingPathComponent("Models/nb201-small.safetensors").path
        var original = try SafeTensors.read(from: source)
        original.tensors = original.tensors.filter { !$0.key.hasPrefix("optimizer.") }   // sampling needs no moments
        let header = try JSONSerialization.jsonObject(with: Data(original.metadata[Checkpoint.metadataKey]!.utf8))
        let paths = Self.paths(header).filter { !$0.isEmpty }
        var rng = SplitMix64(21)
        let path = NSTemporaryDirectory() + "nasdiff-fuzz-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var refused = 0, sampled = 0
        for _ in 0..<240 {
            let target = paths[Int.random(in: 0..<paths.count, using: &rng)]
            let kind = Int.random(in: 0..<4, using: &rng)
            let replacement = Self.replacements[Int.random(in: 0..<Self.replacements.count, using: &rng)]
            let scale = [0.0, 0.5, 2.0, -1.0, 1e6][Int.random(in: 0..<5, using: &rng)]
            let mutated = Self.mutate(header, target[...]) { value in
                switch kind {
                case 0: return replacement
                case 1: return nil                                                  // remove the key or element
                case 2: if let n = value as? NSNumber { return n.doubleValue * scale }; return replacement
                default: if let a = value as? [Any] { return a + a.prefix(1) }; return replacement   // lengthen an array
                }
            }!
            var st = original
            st.metadata[Checkpoint.metadataKey] = String(decoding: try JSONSerialization.data(withJSONObject: mutated, options: [.sortedKeys]), as: UTF8.self)
            try st.write(to: path)
            do {
                let (ckpt, model) = try Checkpoint.read(from: path)
                let sampler = try Sampler(device: Device(), checkpoint: ckpt, model: model)
                var options = SamplingOptions()
                options.batch = 2
                options.steps = min(2, ckpt.record.schedule.steps)
                _ = try sampler.sampleBatch(options)
                sampled += 1
            } catch {
                let message = "\(error)"
                XCTAssertFalse(message.contains("\n"), "a refusal is one line: \(message)")
                XCTAssertTrue(message.hasPrefix("checkpoint \(path): "), message)
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, 60, "most mutants are refused")
        XCTAssertGreaterThan(sampled, 10, "harmless mutants (a condition's text, the training seed) still sample")
    }

    /// The header values that crashed, hung or gave 0 % valid samples when the loader trusted them, each
    /// refused in one line that names what is wrong.
    func testEveryKindOfBadHeaderValueIsRefusedByName() throws {
        let source = Self.repository.appendingPathComponent("Models/nb201-small.safetensors").path
        var original = try SafeTensors.read(from: source)
        original.tensors = original.tensors.filter { !$0.key.hasPrefix("optimizer.") }
        let header = try JSONSerialization.jsonObject(with: Data(original.metadata[Checkpoint.metadataKey]!.utf8))
        let path = NSTemporaryDirectory() + "nasdiff-badheader-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let alphaBars = ((header as! [String: Any])["schedule"] as! [String: Any])["alphaBars"] as! [Double]
        let cases: [(path: [Any], value: Any?, says: String)] = [
            (["model", "heads"], 0, "heads"),
            (["model", "dx"], -1, "dx"),
            (["model", "hiddenInX"], 1 << 40, "hiddenInX"),
            (["model", "ffE"], Int.max, "ffE"),
            (["model", "nodeClasses"], -1, "nodeClasses"),
            (["model", "layers"], 1_000_000, "layers"),
            (["schedule", "alphaBars"], [Double](), "alphaBars"),
            (["schedule", "alphaBars"], Array(alphaBars.prefix(100)), "alphaBars"),
            (["schedule", "alphaBars"], [1.5] + alphaBars.dropFirst(), "alphaBars"),
            (["schedule", "betas", 3], -0.1, "betas"),
            (["nodeCountHistogram"], [0, 0, 15625], "nodeCountHistogram"),
            (["nodeMarginal"], [1, 1, 1], "nodeMarginal"),
            (["nodeMarginal"], [0, 0, 0, 0, 0, 0, 0], "nodeMarginal"),
            (["fixedPairs", 1], 9, "fixedPairs"),
            (["space"], "transnas-micro", "space"),
            (["space"], "nb101", "space"),
        ]
        for (target, value, says) in cases {
            let mutated = Self.mutate(header, target[...]) { _ in value }!
            var st = original
            st.metadata[Checkpoint.metadataKey] = String(decoding: try JSONSerialization.data(withJSONObject: mutated, options: [.sortedKeys]), as: UTF8.self)
            try st.write(to: path)
            XCTAssertThrowsError(try Checkpoint.read(from: path), "\(target) = \(String(describing: value))") { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("checkpoint \(path): ") && !message.contains("\n"), message)
                XCTAssertTrue(message.contains(says), "\(target): \(message)")
            }
        }
    }
}
