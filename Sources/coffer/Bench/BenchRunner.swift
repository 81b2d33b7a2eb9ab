// Runs one operation on T threads (one session each): an unrecorded warm-up, then the measured
// run, with the process's CPU time around it and a progress line on stderr for long runs.

import CPKCS11
import Dispatch
import Foundation
import Histogram

/// Measures operations on a token.
struct BenchRunner {
    let token: BenchToken
    let threads: Int
    let limit: BenchLimit
    /// Seconds of unrecorded calls before each measured run (0 for none).
    let warmup: Double
    let settings: BenchOperation.Settings

    /// Measures `operation`, or says why it cannot.
    func measure(_ operation: BenchOperation) -> BenchResult {
        let blank = { (status: BenchResult.Status) in
            BenchResult(operation: operation.name, summary: operation.summary, threads: threads, status: status)
        }
        let missing = operation.mechanisms.filter { !token.supports($0) }
        if !missing.isEmpty {
            let names = missing.map { "0x" + String($0, radix: 16, uppercase: true) }
            return blank(.unsupported("mechanism \(names.joined(separator: ", ")) not offered"))
        }
        let factory: (Int, CK_SESSION_HANDLE) -> any BenchCall
        do throws(PKCS11Error) {
            factory = try operation.prepare(token, settings)
        } catch {
            return blank(.failed(error.description))
        }
        let workers = (0..<threads).map { BenchWorker(call: factory($0, token.sessions[$0])) }

        if warmup > 0 { _ = run(workers, .duration(seconds: warmup), record: false, label: nil) }
        let cpuBefore = Self.cpuSeconds()
        let wall = run(workers, limit, record: true, label: operation.name)
        let cpu = Self.cpuSeconds() - cpuBefore

        var histogram = workers[0].histogram
        for worker in workers.dropFirst() { histogram.add(worker.histogram) }
        var result = blank(.measured)
        result.ops = Int(histogram.totalCount)
        result.errors = workers.reduce(0) { $0 + $1.errors }
        result.firstError = workers.lazy.compactMap(\.firstError).first.map {
            $0.detail == nil ? "\($0.name) (\($0.function))" : $0.description
        }
        result.wallSeconds = wall
        result.cpuSeconds = cpu
        if result.ops > 0 {
            let microseconds = { (percentile: Double) in Double(histogram.valueAtPercentile(percentile)) / 1000 }
            result.p50 = microseconds(50)
            result.p90 = microseconds(90)
            result.p99 = microseconds(99)
            result.max = Double(histogram.max) / 1000
        }
        return result
    }

    /// Runs every worker on its own thread until the budget is spent; returns the wall time.
    private func run(_ workers: [BenchWorker], _ limit: BenchLimit, record: Bool, label: String?) -> Double {
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        let budget = BenchBudget(limit, from: start)
        for worker in workers {
            group.enter()
            let thread = Thread {
                worker.run(budget, record: record)
                group.leave()
            }
            thread.start()
        }
        let progress = BenchProgress(label: label, limit: limit, start: start)
        while group.wait(timeout: .now() + 1) == .timedOut {
            progress.show(completed: workers.reduce(0) { $0 + $1.completed.load(ordering: .relaxed) })
        }
        let end = DispatchTime.now().uptimeNanoseconds
        progress.finish()
        for worker in workers { worker.completed.store(0, ordering: .relaxed) }
        return Double(end - start) / 1e9
    }

    /// User + system CPU seconds of this process so far (getrusage RUSAGE_SELF).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        let seconds = { (time: timeval) in Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
