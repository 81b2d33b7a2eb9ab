// The in-memory StateStore for unit tests: the full etcd-shaped semantics (history, reads at old
// revisions, compaction, watches) behind one lock, with nothing written anywhere.

import CofferState
import Synchronization

/// A `StateStore` held in memory. Thread-safe; every operation runs under one lock, and range
/// reads sort the matching keys on each call, which suits tests, not large data sets.
public final class MemoryStateStore: StateStore {
    /// One version of a key: its value, or nil for a delete (a tombstone).
    private struct Version {
        var revision: Int64
        var keyValue: KeyValue?
    }

    private struct State {
        var revision: Int64 = 0
        var compactRevision: Int64 = 0
        /// Every key's versions since the compaction point, oldest first.
        var versions: [[UInt8]: [Version]] = [:]
        /// The events of every revision since the compaction point, oldest first.
        var log: [(revision: Int64, events: [WatchEvent])] = []
        var closed = false

        /// The revision a read at `requested` is served at, or the error etcd would give.
        func readRevision(_ requested: Int64?) throws -> Int64 {
            guard let requested else { return revision }
            if requested > revision {
                throw StoreError.futureRevision(requested: requested, current: revision)
            }
            if requested < compactRevision {
                throw StoreError.compacted(requested: requested, compactRevision: compactRevision)
            }
            return requested
        }

        func value(of key: [UInt8], at revision: Int64) -> KeyValue? {
            guard let history = versions[key] else { return nil }
            return history.last(where: { $0.revision <= revision })?.keyValue
        }
    }

    private let state = Mutex(State())
    private let watchers = WatchRegistry(publishedRevision: 0)

    /// What one transaction may hold; `.unlimited` unless the store was made to stand in for etcd.
    public let limits: StoreLimits

    /// Creates an empty store at revision 0.
    ///
    /// - Parameter limits: the transaction limits to enforce, `.unlimited` by default; tests of
    ///   callers that must fit etcd pass `.etcdDefaults`. The request size is measured as the
    ///   bytes of the keys and values named (`StoreLimits.payloadBytes`), a little less than etcd
    ///   counts.
    public init(limits: StoreLimits = .unlimited) {
        self.limits = limits
    }

    public func currentRevision() async throws -> Int64 {
        try state.withLock { state in
            guard !state.closed else { throw StoreError.closed }
            return state.revision
        }
    }

    public func get(_ key: [UInt8], at revision: Int64?) async throws -> KeyValue? {
        try state.withLock { state in
            guard !state.closed else { throw StoreError.closed }
            return state.value(of: key, at: try state.readRevision(revision))
        }
    }

    public func range(
        prefix: [UInt8], startKey: [UInt8]?, at revision: Int64?, limit: Int?
    ) async throws -> RangeResult {
        try state.withLock { state in
            guard !state.closed else { throw StoreError.closed }
            let at = try state.readRevision(revision)
            let range = StoreKeyRange(prefix: prefix, startKey: startKey)
            var found = state.versions.keys
                .filter { range.contains($0) }
                .compactMap { state.value(of: $0, at: at) }
            found.sort { $0.key.lexicographicallyPrecedes($1.key) }
            if let limit, limit > 0, found.count > limit {
                return RangeResult(keyValues: Array(found.prefix(limit)), revision: at, more: true)
            }
            return RangeResult(keyValues: found, revision: at, more: false)
        }
    }

    public func transact(
        compare: [StoreCompare], success: [StoreOperation], failure: [StoreOperation]
    ) async throws -> TransactionResult {
        try limits.checkOperations(compare: compare, success: success, failure: failure)
        try limits.checkRequestBytes(StoreLimits.payloadBytes(compare: compare, success: success, failure: failure))
        return try state.withLock { state in
            guard !state.closed else { throw StoreError.closed }
            let holds = compare.allSatisfy { guardHolds($0, in: state) }
            let operations = holds ? success : failure
            try StoreOperation.validate(operations)
            let next = state.revision + 1
            var events: [WatchEvent] = []
            for operation in operations {
                let existing = state.value(of: operation.key, at: state.revision)
                switch operation {
                case .put(let key, let value):
                    let written = KeyValue(
                        key: key, value: value,
                        createRevision: existing?.createRevision ?? next,
                        modRevision: next,
                        version: (existing?.version ?? 0) + 1)
                    state.versions[key, default: []].append(Version(revision: next, keyValue: written))
                    events.append(WatchEvent(kind: .put, keyValue: written))
                case .delete(let key):
                    guard existing != nil else { continue }
                    state.versions[key, default: []].append(Version(revision: next, keyValue: nil))
                    let tombstone = KeyValue(key: key, value: [], createRevision: 0, modRevision: next, version: 0)
                    events.append(WatchEvent(kind: .delete, keyValue: tombstone))
                }
            }
            guard !events.isEmpty else {
                return TransactionResult(succeeded: holds, revision: state.revision)
            }
            state.revision = next
            state.log.append((next, events))
            // Published under the lock, so that watches see revisions in order.
            watchers.publish(revision: next, events: events)
            return TransactionResult(succeeded: holds, revision: next)
        }
    }

    public func watch(prefix: [UInt8], fromRevision: Int64) -> AsyncThrowingStream<[WatchEvent], Error> {
        watchers.watch(range: StoreKeyRange(prefix: prefix), fromRevision: fromRevision) {
            [self] range, from, emit in
            try self.state.withLock { state in
                guard !state.closed else { throw StoreError.closed }
                if from < state.compactRevision {
                    throw StoreError.compacted(requested: from, compactRevision: state.compactRevision)
                }
                for entry in state.log where entry.revision >= from {
                    let matching = entry.events.filter { range.contains($0.keyValue.key) }
                    if !matching.isEmpty { emit(matching) }
                }
                return state.revision
            }
        }
    }

    public func compact(before revision: Int64) async throws {
        try state.withLock { state in
            guard !state.closed else { throw StoreError.closed }
            if revision > state.revision {
                throw StoreError.futureRevision(requested: revision, current: state.revision)
            }
            if revision <= state.compactRevision {
                throw StoreError.compacted(requested: revision, compactRevision: state.compactRevision)
            }
            state.compactRevision = revision
            state.log.removeAll { $0.revision < revision }
            for (key, history) in state.versions {
                // Keep what a read at `revision` or later can reach: the versions from
                // `revision` on, and the one live before it.
                let newer = history.filter { $0.revision >= revision }
                let lastOlder = history.last { $0.revision < revision }
                var kept = newer
                if let lastOlder, lastOlder.keyValue != nil {
                    kept.insert(lastOlder, at: 0)
                }
                state.versions[key] = kept.isEmpty ? nil : kept
            }
        }
    }

    public func close() async {
        state.withLock { $0.closed = true }
        watchers.close()
    }

    private func guardHolds(_ compare: StoreCompare, in state: State) -> Bool {
        switch compare {
        case .modRevision(let key, let expected):
            return (state.value(of: key, at: state.revision)?.modRevision ?? 0) == expected
        case .version(let key, let expected):
            return (state.value(of: key, at: state.revision)?.version ?? 0) == expected
        }
    }
}
