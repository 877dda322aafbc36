import Foundation

// Row-wise softmax over the last axis. It turns the guided x0 logits into p̂(x0) before the
// posterior (dinas-spec §5.2); rows are short (one per node or node pair, 2–11 classes), so one
// work item handles one row on every device.

public extension Device {
    /// out[r,:] = softmax(logits[r,:]), computed as exp(x − max) / Σ exp(x − max) so large logits
    /// cannot overflow. `out` may be `logits` itself: each row is read fully before it is written.
    func softmaxRows(out: View, logits: View, rows: Int, classes: Int) throws {
        try requirePositive("softmaxRows", ("rows", rows), ("classes", classes))
        try require("softmaxRows", logits, rows * classes, "logits")
        try require("softmaxRows", out, rows * classes, "out")
        if let cl {
            return try cl.launch("softmax", "softmax_rows", [.view(out), .view(logits), .int(rows), .int(classes)],
                                 global: [rows])
        }
        let o = out.ptr, x = logits.ptr
        Parallel.forEach(rows, costPerItem: 4 * classes) { r in
            let row = x + r * classes, dst = o + r * classes
            var top = row[0]
            for c in 1..<classes { top = max(top, row[c]) }
            var total: Float = 0
            for c in 0..<classes {
                let e = expf(row[c] - top)
                dst[c] = e
                total += e
            }
            let scale = 1 / total
            for c in 0..<classes { dst[c] *= scale }
        }
    }
}
