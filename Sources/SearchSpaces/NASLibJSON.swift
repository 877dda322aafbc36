// Reads NASLib's zero-cost benchmark files (naslib/data/zc_*.json): nested objects, e.g.
// {"nasbench101": {"cifar10": {"<arch key>": {"val_accuracy": …, "params": …, …}, …}}}.
// Returns the architecture-key level; the callers pick their fields.

import Foundation

enum NASLibJSON {
    static func entries(path: String, nesting: [String]) throws -> [String: [String: Any]] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataFileError(file: path, problem: "file not found")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(file: path, problem: "cannot read the file")
        }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw DataFileError(file: path, problem: "not valid JSON: \(error.localizedDescription)")
        }
        var level = root
        var walked: [String] = []
        for key in nesting {
            guard let object = level as? [String: Any], let inner = object[key] else {
                let place = walked.isEmpty ? "the top level" : "under " + walked.joined(separator: " → ")
                throw DataFileError(file: path, problem: "expected the key '\(key)' at \(place) (a NASLib zc_*.json file)")
            }
            walked.append(key)
            level = inner
        }
        guard let table = level as? [String: Any] else {
            throw DataFileError(file: path, problem: "expected an object of architectures under \(walked.joined(separator: " → "))")
        }
        var result: [String: [String: Any]] = [:]
        for (key, value) in table {
            guard let fields = value as? [String: Any] else {
                throw DataFileError(file: path, problem: "entry \(key) is not an object of fields")
            }
            result[key] = fields
        }
        return result
    }
}
