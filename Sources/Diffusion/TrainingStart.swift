import Foundation

// How `train` starts given what is at its output path: a fresh run, a resumed one (with a new step
// target when one is asked for), or nothing to do. An existing checkpoint is never replaced unless
// asked, and a target below what is already trained is refused rather than ignored.

public enum TrainingStart {
    case fresh
    /// The checkpoint to continue, its step target already set.
    case resume(Checkpoint)
    /// The checkpoint at the path has trained all `steps` of its target.
    case finished(steps: Int)

    /// `steps`: a new target (with `resume`), nil to keep the checkpoint's own.
    public static func decide(path: String, resume: Bool, overwrite: Bool, steps: Int?) throws -> TrainingStart {
        guard !(resume && overwrite) else { throw DiffusionError.badOption("--resume --overwrite", "give one of them, not both") }
        let exists = FileManager.default.fileExists(atPath: path)
        guard resume else {
            if exists && !overwrite {
                throw DiffusionError.badOption("--out \(path)", "a checkpoint is there already; give --resume to continue it, --overwrite to replace it, or another --out")
            }
            return .fresh
        }
        guard exists else { throw DiffusionError.checkpoint(path, "--resume: there is no checkpoint to continue") }
        var (ckpt, _) = try Checkpoint.read(from: path)
        let done = ckpt.record.step
        if let steps {
            guard steps >= done else {
                throw DiffusionError.badOption("--steps \(steps)", "\(path) has already trained \(done) steps; give --steps \(done) or more")
            }
            ckpt.record.training.steps = steps
        }
        return ckpt.record.training.steps > done ? .resume(ckpt) : .finished(steps: done)
    }
}
