// Receipts: what makes a change that creates nothing (a destroy, an attribute change, a share) safe
// to send again. Object-making commands find out from their derived handles that an earlier try
// landed; a destroy or an attribute change leaves nothing to find. Under a request id such a command
// therefore writes, in the same transaction, a receipt named after the request (never one without
// the other: the commit seam's one transaction). A repeat of the request, on any node, first asks
// the store for the receipt and, finding it, answers as the first try would have; a repeat that
// raced the first try and lost asks again before it reports the failure.
//
// Receipts are kept for `receiptLifetime`, far longer than a client goes on repeating a call, and
// then deleted by whichever node writes receipts (`pruneReceipts`, at most once a minute per node,
// each delete guarded by the receipt's revision, so that nodes pruning at once cannot clash).

import CofferModel
import Foundation

extension StateMachine {
    /// How long a receipt is kept.
    public static let receiptLifetime: Duration = .seconds(600)
    /// The least time between two prunes on one node.
    static let receiptPruneInterval: Duration = .seconds(60)

    /// Commits `command`, whose `plan` changes or deletes existing records and returns nothing, so
    /// that a repeat of the request it serves (same id, same user) never applies it twice: with a
    /// `RequestScope`, the receipt is written with the change, and a repeat that finds it returns at
    /// once. Without one, a plain commit.
    func commitOnce(
        _ command: Command, by actor: UserID, plan: () throws(StateError) -> WritePlan
    ) async throws(StateError) {
        guard let scope = RequestScope.current else {
            try await commit(command, by: actor) { () throws(StateError) in (try plan(), ()) }
            return
        }
        let key = RecordKey.receipt(scope)
        if try await receiptExists(key) { return }
        do {
            try await commit(command, by: actor, repeatable: true) { () throws(StateError) in
                var writePlan = try plan()
                writePlan.preconditions.append(.absent(key))
                writePlan.writes.append(.putPlain(key: key, value: Self.receiptValue(Date())))
                return (writePlan, ())
            }
        } catch {
            // The try that landed was an earlier one (its answer was lost) or a concurrent one.
            if (try? await receiptExists(key)) == true { return }
            throw error
        }
        pruneReceiptsIfDue()
    }

    /// Whether the store holds the receipt `key`. A read that fails (etcd electing a leader, a stream
    /// to a member lost) is tried again after the pauses an unknown commit outcome gets, as the
    /// commit that follows would be.
    private func receiptExists(_ key: [UInt8]) async throws(StateError) -> Bool {
        var pauses = Self.unknownOutcomePauses[...]
        while true {
            do {
                return try await store.get(key, at: nil) != nil
            } catch {
                guard let pause = pauses.popFirst() else { throw StateError(error) }
                try? await Task.sleep(for: pause)
            }
        }
    }

    /// A receipt's value: the milliseconds since 1970 when it was written, big-endian.
    static func receiptValue(_ date: Date) -> [UInt8] {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        return withUnsafeBytes(of: milliseconds.bigEndian) { Array($0) }
    }

    /// When a receipt was written; nil for a value that is not a receipt's.
    static func receiptDate(_ value: [UInt8]) -> Date? {
        guard value.count == 8 else { return nil }
        let milliseconds = value.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Starts `pruneReceipts` in the background unless this node pruned less than a minute ago.
    private func pruneReceiptsIfDue() {
        let now = ContinuousClock.now
        let due = state.withLock { s -> Bool in
            if let last = s.receiptsPrunedAt, now - last < Self.receiptPruneInterval { return false }
            s.receiptsPrunedAt = now
            return true
        }
        guard due else { return }
        Task { [weak self] in _ = try? await self?.pruneReceipts(olderThan: Date() - Self.receiptLifetime.seconds) }
    }

    /// Deletes the receipts written before `cutoff`; returns how many it deleted. Each delete is
    /// guarded by the receipt's revision; one another node deleted first is simply gone.
    @discardableResult
    func pruneReceipts(olderThan cutoff: Date) async throws(StateError) -> Int {
        let batch = max(1, store.limits.maxOperationsPerTransaction / 2)
        var deleted = 0
        var start: [UInt8]? = nil
        do {
            while true {
                let page = try await store.range(prefix: RecordKey.receiptPrefix, startKey: start, at: nil, limit: 1000)
                let old = page.keyValues.filter { Self.receiptDate($0.value).map { $0 < cutoff } ?? true }
                for group in stride(from: 0, to: old.count, by: batch).map({ old[$0..<min($0 + batch, old.count)] }) {
                    // One transaction per group; it fails whole if any of its receipts went meanwhile
                    // (another node pruned it), and its receipts are then deleted one by one.
                    let result = try await store.transact(
                        compare: group.map { .modRevision(key: $0.key, equals: $0.modRevision) },
                        success: group.map { .delete(key: $0.key) }, failure: [])
                    if result.succeeded {
                        deleted += group.count
                        continue
                    }
                    for receipt in group {
                        let single = try await store.transact(
                            compare: [.modRevision(key: receipt.key, equals: receipt.modRevision)],
                            success: [.delete(key: receipt.key)], failure: [])
                        if single.succeeded { deleted += 1 }
                    }
                }
                guard page.more, let last = page.keyValues.last?.key else { return deleted }
                start = last + [0]
            }
        } catch {
            throw StateError(error)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a TimeInterval.
    var seconds: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
