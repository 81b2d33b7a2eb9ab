// Group commit: transactions that commits send at the same time travel to the store as one, so that
// a node making many keys at once pays one etcd transaction (one raft entry, one apply, one watch
// event per peer) for a batch instead of one per key.
//
// No timer holds a transaction back. One caller at a time sends; whoever arrives while a send is in
// flight waits for it and goes in the next batch, so a lone caller goes alone and a batch grows with
// the store's own latency. Only transactions that cannot see each other are merged: their keys
// (compared or written) are disjoint and none has a failure branch, so the merged transaction is
// each of them applied in any order. When the merged transaction's compares do not all hold, nothing
// was applied, and each member is sent again alone to learn its own outcome.

import Synchronization

/// Merges concurrent, independent transactions on `store` into one.
final class TransactionBatcher: Sendable {
    /// A transaction waiting to be sent, and its caller.
    private struct Pending {
        let compare: [StoreCompare]
        let success: [StoreOperation]
        let keys: Set<[UInt8]>
        let bytes: Int
        let continuation: CheckedContinuation<TransactionResult, any Error>
    }

    private struct Queue {
        var waiting: [Pending] = []
        var sending = false
    }

    /// The most transactions merged into one.
    static let maxMembers = 64

    let store: any StateStore
    private let queue = Mutex(Queue())
    private let operationLimit: Int
    private let byteLimit: Int

    init(store: any StateStore) {
        self.store = store
        let limits = store.limits
        operationLimit = limits.maxOperationsPerTransaction
        // The etcd encoding adds the prefix and a few bytes per operation to the payload: merge only
        // up to half the request limit, so that the sum always fits.
        byteLimit = limits.maxRequestBytes == .max ? .max : limits.maxRequestBytes / 2
    }

    /// How many transactions wait for the one in flight (for tests).
    var waiting: Int { queue.withLock { $0.waiting.count } }

    /// Commits one transaction with no failure branch, merged with others sent at the same time.
    func transact(compare: [StoreCompare], success: [StoreOperation]) async throws -> TransactionResult {
        let bytes = StoreLimits.payloadBytes(compare: compare, success: success, failure: [])
        guard compare.count + success.count < operationLimit, bytes <= byteLimit else {
            // Large on its own (a bulk batch): never merged.
            return try await store.transact(compare: compare, success: success, failure: [])
        }
        var keys = Set<[UInt8]>()
        for c in compare {
            switch c {
            case .modRevision(let key, _), .version(let key, _): keys.insert(key)
            }
        }
        for operation in success {
            switch operation {
            case .put(let key, _), .delete(let key): keys.insert(key)
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            let pending = Pending(compare: compare, success: success, keys: keys, bytes: bytes, continuation: continuation)
            let leads = queue.withLock { q in
                q.waiting.append(pending)
                guard !q.sending else { return false }
                q.sending = true
                return true
            }
            if leads { Task { await self.drain() } }
        }
    }

    /// Sends batches until nobody waits.
    private func drain() async {
        while let batch = nextBatch() {
            await send(batch)
        }
    }

    /// The next batch from the front of the queue (members that fit together, in arrival order;
    /// the first that does not fit starts the batch after), or nil when the queue is empty.
    private func nextBatch() -> [Pending]? {
        queue.withLock { q in
            guard !q.waiting.isEmpty else {
                q.sending = false
                return nil
            }
            var batch: [Pending] = []
            var keys = Set<[UInt8]>()
            var compares = 0
            var operations = 0
            var bytes = 0
            for member in q.waiting {
                guard batch.count < Self.maxMembers, keys.isDisjoint(with: member.keys),
                    compares + member.compare.count <= operationLimit,
                    operations + member.success.count <= operationLimit, bytes + member.bytes <= byteLimit
                else { break }
                batch.append(member)
                keys.formUnion(member.keys)
                compares += member.compare.count
                operations += member.success.count
                bytes += member.bytes
            }
            q.waiting.removeFirst(batch.count)
            return batch
        }
    }

    /// Sends `batch` as one transaction; on failed compares, each member alone.
    private func send(_ batch: [Pending]) async {
        if batch.count == 1 {
            let only = batch[0]
            do {
                only.continuation.resume(
                    returning: try await store.transact(compare: only.compare, success: only.success, failure: []))
            } catch {
                only.continuation.resume(throwing: error)
            }
            return
        }
        let merged: TransactionResult
        do {
            merged = try await store.transact(
                compare: batch.flatMap(\.compare), success: batch.flatMap(\.success), failure: [])
        } catch {
            // Unknown outcome, or refused: the same for every member, as if each had been sent.
            for member in batch { member.continuation.resume(throwing: error) }
            return
        }
        if merged.succeeded {
            for member in batch { member.continuation.resume(returning: merged) }
            return
        }
        // Some compare failed and nothing was applied: learn each member's own outcome.
        await withTaskGroup(of: Void.self) { group in
            for member in batch {
                group.addTask {
                    do {
                        member.continuation.resume(
                            returning: try await self.store.transact(
                                compare: member.compare, success: member.success, failure: []))
                    } catch {
                        member.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
