import Foundation

// Softmax cross-entropy against class-index targets: the training loss of dinas-spec §4.2.
// The loss terms are means over real rows only (padded nodes/pairs and the diagonal are excluded),
// so targets mark excluded rows with a negative index and the caller passes gradScale = weight / count.

public extension Device {
    /// losses[r] = −log softmax(logits[r,:])[targets[r]] (overwritten; 0 for ignored rows), and, when
    /// `dlogits` is given, dlogits[r,:] += gradScale · (softmax(logits[r,:]) − onehot(targets[r])).
    /// targets[r] < 0 ignores row r (no loss, no gradient). A target ≥ classes is a caller bug: its
    /// loss becomes NaN (so it shows in the logged loss) and it adds no gradient.
    func crossEntropy(losses: View, dlogits: View?, logits: View, targets: View, rows: Int, classes: Int,
                      gradScale: Float) throws {
        let op = "crossEntropy"
        try requirePositive(op, ("rows", rows), ("classes", classes))
        try require(op, logits, rows * classes, "logits")
        try require(op, targets, rows, "targets")
        try require(op, losses, rows, "losses")
        if let dlogits { try require(op, dlogits, rows * classes, "dlogits") }
        if let cl {
            // Without a gradient the kernel gets `logits` as a stand-in buffer it never touches.
            return try cl.launch(.crossEntropy, [
                .view(losses), .view(dlogits ?? logits), .int(dlogits == nil ? 0 : 1), .view(logits), .view(targets),
                .int(rows), .int(classes), .float(gradScale),
            ], global: [rows])
        }
        let l = losses.ptr, x = logits.ptr, t = targets.ptr
        let d = dlogits?.ptr
        Parallel.forEach(rows, costPerItem: 4 * classes) { r in
            let target = t[r]
            if target < 0 { l[r] = 0; return }
            if !(target < Float(classes)) { l[r] = .nan; return }   // also catches a NaN target
            let k = Int(target)
            let row = x + r * classes
            var top = row[0]
            for c in 1..<classes { top = max(top, row[c]) }
            var total: Float = 0
            for c in 0..<classes { total += expf(row[c] - top) }
            // log Σ exp(x − max) − (x_t − max): both terms are small, so nothing cancels catastrophically.
            l[r] = logf(total) - (row[k] - top)
            guard let d else { return }
            let g = d + r * classes
            let scale = gradScale / total
            for c in 0..<classes { g[c] += scale * expf(row[c] - top) }
            g[k] -= gradScale
        }
    }
}
