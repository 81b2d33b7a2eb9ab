// One bench thread: runs its call until the budget is spent and records each successful call's
// latency, in nanoseconds, in its own histogram (merged after the run, so threads never share one).

import Dispatch
import Histogram
import Synchronization

/// A thread's call, counters and latency histogram.
final class BenchWorker: @unchecked Sendable {
    // @unchecked: `call`, `histogram`, `errors` and `firstError` are touched only by the worker's
    // thread while it runs and by the runner after joining it; `completed` is atomic.

    /// The largest latency the histogram holds; longer calls are recorded as this.
    static let highestNanoseconds: UInt64 = 120_000_000_000

    private let call: any BenchCall
    private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: highestNanoseconds, numberOfSignificantValueDigits: .three)
    private(set) var errors = 0
    private(set) var firstError: PKCS11Error?
    /// Operations finished so far (successful or not), for the progress line.
    let completed = Atomic<Int>(0)

    init(call: any BenchCall) {
        self.call = call
    }

    /// Runs until `budget` is spent; records latencies only when `record` (not during warm-up).
    func run(_ budget: BenchBudget, record: Bool) {
        while budget.take() {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                try call.run()
                let elapsed = DispatchTime.now().uptimeNanoseconds &- start
                if record { _ = histogram.record(min(max(elapsed, 1), Self.highestNanoseconds)) }
            } catch {
                if record {
                    errors += 1
                    if firstError == nil { firstError = error }
                }
            }
            completed.add(1, ordering: .relaxed)
        }
    }
}
