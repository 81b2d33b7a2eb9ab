// The bench's output: an aligned table for people, or one JSON document (--json) for scripts such
// as scripts/bench-vs-softhsm.sh.

import Foundation

/// The results of one `coffer bench` invocation.
struct BenchReport {
    let module: String
    let moduleInfo: String
    let token: String
    let threads: Int
    let limit: BenchLimit
    let warmup: Double
    let results: [BenchResult]

    /// The JSON document: run parameters, then "operations" keyed by operation name.
    func json() -> [String: Any] {
        var document: [String: Any] = [
            "module": module, "module_info": moduleInfo, "token": token, "threads": threads, "warmup_seconds": warmup,
        ]
        switch limit {
        case .duration(let seconds): document["duration_seconds"] = seconds
        case .operations(let count): document["operations_requested"] = count
        }
        var operations: [String: Any] = [:]
        for result in results {
            var entry: [String: Any] = [
                "summary": result.summary, "status": result.statusName, "threads": result.threads,
            ]
            switch result.status {
            case .unsupported(let reason), .failed(let reason): entry["reason"] = reason
            case .measured:
                entry["ops"] = result.ops
                entry["ops_per_second"] = Self.rounded(result.opsPerSecond, 1)
                entry["wall_seconds"] = Self.rounded(result.wallSeconds, 3)
                entry["cpu_seconds"] = Self.rounded(result.cpuSeconds, 3)
                entry["errors"] = result.errors
                entry["latency_us"] = [
                    "p50": Self.rounded(result.p50, 1), "p90": Self.rounded(result.p90, 1),
                    "p99": Self.rounded(result.p99, 1), "max": Self.rounded(result.max, 1),
                ]
                if let first = result.firstError { entry["first_error"] = first }
            }
            operations[result.operation] = entry
        }
        document["operations"] = operations
        return document
    }

    /// The table: one row per operation, right-aligned figures.
    func table() -> String {
        let run: String
        switch limit {
        case .duration(let seconds): run = "\(Self.number(seconds, 1)) s per operation"
        case .operations(let count): run = "\(count) operations per operation"
        }
        var lines = [
            "module:  \(module) (\(moduleInfo))", "token:   \(token)",
            "run:     \(threads) thread\(threads == 1 ? "" : "s"), \(run), \(Self.number(warmup, 1)) s warm-up",
            "",
        ]
        let header = ["operation", "ops", "ops/s", "p50 µs", "p90 µs", "p99 µs", "max µs", "cpu s", "errors"]
        var rows: [[String]] = []
        var notes: [String] = []
        for result in results {
            switch result.status {
            case .measured:
                rows.append([
                    result.operation, "\(result.ops)", Self.number(result.opsPerSecond, 0), Self.number(result.p50, 1),
                    Self.number(result.p90, 1), Self.number(result.p99, 1), Self.number(result.max, 1),
                    Self.number(result.cpuSeconds, 2), "\(result.errors)",
                ])
                if let first = result.firstError { notes.append("\(result.operation): first error \(first)") }
            case .unsupported(let reason):
                rows.append([result.operation, "unsupported", "", "", "", "", "", "", ""])
                notes.append("\(result.operation): \(reason)")
            case .failed(let reason):
                rows.append([result.operation, "failed", "", "", "", "", "", "", ""])
                notes.append("\(result.operation): setup failed: \(reason)")
            }
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let format = { (row: [String]) -> String in
            row.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return column == 0 ? row[column] + padding : padding + row[column]
            }.joined(separator: "  ")
        }
        lines.append(format(header))
        lines.append(contentsOf: rows.map(format))
        if !notes.isEmpty { lines.append("") }
        lines.append(contentsOf: notes)
        return lines.joined(separator: "\n")
    }

    private static func rounded(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }

    private static func number(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
