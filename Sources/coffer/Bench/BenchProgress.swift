// The once-a-second progress line on stderr for runs longer than a few seconds: rewritten in place
// on a terminal, one line per second otherwise.

import Dispatch
import Foundation

/// Progress of one measured run.
final class BenchProgress {
    private let label: String?
    private let limit: BenchLimit
    private let start: UInt64
    private let terminal = isatty(STDERR_FILENO) == 1
    private var shown = false

    /// Runs shorter than this show no progress.
    static let threshold = 3.0

    /// `label` nil: no progress (the warm-up).
    init(label: String?, limit: BenchLimit, start: UInt64) {
        self.label = label
        self.limit = limit
        self.start = start
    }

    /// Shows `completed` operations so far, if the run is a long one.
    func show(completed: Int) {
        guard let label else { return }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let line: String
        switch limit {
        case .duration(let seconds):
            guard seconds > Self.threshold else { return }
            line = "\(label): \(Int(elapsed))/\(Int(seconds.rounded())) s"
        case .operations(let total):
            guard elapsed >= Self.threshold else { return }
            line = "\(label): \(completed)/\(total) operations"
        }
        let rate = elapsed > 0 ? Int(Double(completed) / elapsed) : 0
        let text = "coffer bench: \(line), \(completed) ops, \(rate) ops/s"
        FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
        shown = true
    }

    /// Ends the progress line on a terminal.
    func finish() {
        if shown && terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
