// The outcome of one operation: measured figures, or why there are none.

/// One operation's result.
struct BenchResult: Sendable {
    /// Whether the operation ran.
    enum Status: Sendable {
        case measured
        /// The token does not offer a mechanism the operation needs.
        case unsupported(String)
        /// Setting up (finding or generating keys) failed.
        case failed(String)
    }

    let operation: String
    let summary: String
    let threads: Int
    let status: Status
    /// Successful operations.
    var ops = 0
    /// Failed operations, and the first failure (a CKR_* name and the function).
    var errors = 0
    var firstError: String?
    var wallSeconds = 0.0
    /// User + system CPU time of the bench process during the run.
    var cpuSeconds = 0.0
    /// Latency percentiles of successful operations, in microseconds.
    var p50 = 0.0
    var p90 = 0.0
    var p99 = 0.0
    var max = 0.0

    /// Successful operations per wall-clock second.
    var opsPerSecond: Double { wallSeconds > 0 ? Double(ops) / wallSeconds : 0 }

    /// The status as one word for reports.
    var statusName: String {
        switch status {
        case .measured: errors > 0 ? "errors" : "ok"
        case .unsupported: "unsupported"
        case .failed: "failed"
        }
    }
}
