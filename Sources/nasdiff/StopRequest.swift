import Dispatch
import Foundation

/// Ctrl-C (SIGINT) or SIGTERM as a request to stop at the next safe point, so that a long run can save
/// its work first; a second signal quits at once. Signals are taken from a dispatch source rather than
/// a C handler, so the code that runs is ordinary Swift.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var sources: [DispatchSourceSignal] = []
    private static let signals = [SIGINT, SIGTERM]

    /// `notice`: printed on the first signal (what will happen, and that a second signal quits).
    init(notice: String) {
        for sig in Self.signals {
            signal(sig, SIG_IGN)   // the dispatch source sees it; the default action would kill the process
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self, self.request() else { exit(128 + sig) }
                stderr("\n" + notice)
            }
            source.resume()
            sources.append(source)
        }
    }

    var isRequested: Bool { lock.withLock { requested } }

    /// Records the request; false when one was already made.
    private func request() -> Bool { lock.withLock { defer { requested = true }; return !requested } }

    deinit {
        for source in sources { source.cancel() }
        for sig in Self.signals { signal(sig, SIG_DFL) }
    }
}
