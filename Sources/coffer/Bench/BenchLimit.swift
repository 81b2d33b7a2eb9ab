// How long a measured run lasts: a wall-clock duration, or a total number of operations shared by
// all threads (the CI smoke run uses the latter, so its result does not depend on machine speed).

import Dispatch
import Synchronization

/// The length of one run.
enum BenchLimit: Sendable {
    case duration(seconds: Double)
    case operations(Int)
}

/// The shared budget the threads of one run draw from.
final class BenchBudget: Sendable {
    private let deadline: UInt64?
    private let remaining: Atomic<Int>

    init(_ limit: BenchLimit, from start: UInt64) {
        switch limit {
        case .duration(let seconds):
            deadline = start + UInt64(seconds * 1e9)
            remaining = Atomic(Int.max)
        case .operations(let count):
            deadline = nil
            remaining = Atomic(count)
        }
    }

    /// Claims one more operation; false when the run is over.
    @inline(__always)
    func take() -> Bool {
        if let deadline { return DispatchTime.now().uptimeNanoseconds < deadline }
        return remaining.subtract(1, ordering: .relaxed).newValue >= 0
    }
}
