// A unit-test store that can fail the way a remote one does: its watches can be broken (as when an
// etcd member dies) and refused while the "network" is down, and its writes can fail as unavailable
// (as when etcd has no quorum). Everything else is the memory store underneath.

import CofferState
import CofferStoreMemory
import Synchronization

final class FlakyStore: StateStore {
    let base: MemoryStateStore
    private struct Faults {
        var watchesDown = false
        var writesDown = false
        /// Transactions still to apply and then report as unavailable, as when the etcd member a
        /// node talks to dies after committing and before answering.
        var answersToLose = 0
        /// How long each transaction takes, as a round trip to etcd does.
        var latency: Duration = .zero
        var transactions = 0
        /// While set, transactions wait before they apply, until `openGate`.
        var gateClosed = false
        var heldAtGate: [CheckedContinuation<Void, Never>] = []
        var open: [Int: AsyncThrowingStream<[WatchEvent], Error>.Continuation] = [:]
        var next = 0
        var watchesOpened = 0
    }
    private let faults = Mutex(Faults())

    init(base: MemoryStateStore = MemoryStateStore()) { self.base = base }

    var limits: StoreLimits { base.limits }
    var watchesOpened: Int { faults.withLock { $0.watchesOpened } }

    /// Ends every open watch with `.unavailable` and refuses new ones until `restoreWatches`.
    func breakWatches() {
        let open = faults.withLock { f in
            f.watchesDown = true
            let open = f.open
            f.open = [:]
            return open
        }
        for continuation in open.values { continuation.finish(throwing: StoreError.unavailable("test: watch broken")) }
    }

    func restoreWatches() { faults.withLock { $0.watchesDown = false } }

    /// Makes every transaction fail as unavailable (or work again).
    func setWritesDown(_ down: Bool) { faults.withLock { $0.writesDown = down } }

    /// Makes each transaction take `latency` before it applies.
    func setLatency(_ latency: Duration) { faults.withLock { $0.latency = latency } }

    /// Holds every transaction that arrives from now on until `openGate`.
    func closeGate() { faults.withLock { $0.gateClosed = true } }

    /// Lets the held transactions, and every later one, go on.
    func openGate() {
        let held = faults.withLock { f in
            f.gateClosed = false
            defer { f.heldAtGate = [] }
            return f.heldAtGate
        }
        for continuation in held { continuation.resume() }
    }

    /// How many transactions reached the store.
    var transactions: Int { faults.withLock { $0.transactions } }

    /// Applies the next `count` transactions and then throws `.unavailable` for each.
    func loseAnswers(_ count: Int) { faults.withLock { $0.answersToLose = count } }

    func currentRevision() async throws -> Int64 { try await base.currentRevision() }

    func get(_ key: [UInt8], at revision: Int64?) async throws -> KeyValue? { try await base.get(key, at: revision) }

    func range(prefix: [UInt8], startKey: [UInt8]?, at revision: Int64?, limit: Int?) async throws -> RangeResult {
        try await base.range(prefix: prefix, startKey: startKey, at: revision, limit: limit)
    }

    func transact(compare: [StoreCompare], success: [StoreOperation], failure: [StoreOperation]) async throws
        -> TransactionResult
    {
        let (down, latency) = faults.withLock { f in
            f.transactions += 1
            return (f.writesDown, f.latency)
        }
        if down { throw StoreError.unavailable("test: no quorum") }
        if latency > .zero { try await Task.sleep(for: latency) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let held = faults.withLock { f in
                if f.gateClosed { f.heldAtGate.append(continuation) }
                return f.gateClosed
            }
            if !held { continuation.resume() }
        }
        let result = try await base.transact(compare: compare, success: success, failure: failure)
        let lost = faults.withLock { f in
            guard f.answersToLose > 0 else { return false }
            f.answersToLose -= 1
            return true
        }
        if lost { throw StoreError.unavailable("test: the answer was lost") }
        return result
    }

    func watch(prefix: [UInt8], fromRevision: Int64) -> AsyncThrowingStream<[WatchEvent], Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [WatchEvent].self)
        let id: Int? = faults.withLock { f in
            guard !f.watchesDown else { return nil }
            f.next += 1
            f.watchesOpened += 1
            f.open[f.next] = continuation
            return f.next
        }
        guard let id else {
            continuation.finish(throwing: StoreError.unavailable("test: watches down"))
            return stream
        }
        let inner = base.watch(prefix: prefix, fromRevision: fromRevision)
        let task = Task {
            do {
                for try await events in inner { continuation.yield(events) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { [weak self] _ in
            task.cancel()
            _ = self?.faults.withLock { $0.open.removeValue(forKey: id) }
        }
        return stream
    }

    func compact(before revision: Int64) async throws { try await base.compact(before: revision) }

    func close() async { await base.close() }
}

/// Polls `condition` every 20 ms for up to `seconds`; true once it holds. The default is generous
/// because this test process also runs blocking process tests that starve the task pool; a
/// condition that holds returns at once.
func eventually(within seconds: Double = 60, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
