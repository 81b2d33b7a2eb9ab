// Turns the replies of one etcd watch into the store's per-revision event groups, believing
// nothing: events must lie in the watched range, carry sane bookkeeping and arrive in revision
// order from the start revision on; fragments are joined before a reply is read.

import CofferState
import Foundation

/// The state of one watch's reply stream.
struct WatchReader {
    let keyspace: EtcdKeyspace
    let range: StoreKeyRange
    /// The watch's start revision (0: from etcd's next); earlier events are dropped.
    let start: Int64
    /// The revision the etcd watch was asked to start at (`start`, or the one before it); no
    /// event may be older.
    let etcdStart: Int64
    /// The most events held while etcd's fragments of one reply arrive.
    static let maxFragmentEvents = 1_000_000

    private var created = false
    private var lastRevision: Int64 = 0
    private var fragments: [Mvccpb_Event] = []

    init(keyspace: EtcdKeyspace, range: StoreKeyRange, start: Int64, etcdStart: Int64) {
        self.keyspace = keyspace
        self.range = range
        self.start = start
        self.etcdStart = etcdStart
    }

    /// The revisions one reply completes, one array per revision in order; throws what ends the
    /// watch (`StoreError.compacted` when etcd cancelled it for compaction).
    mutating func read(_ message: Etcdserverpb_WatchResponse) throws -> [[WatchEvent]] {
        if message.compactRevision > 0 {
            throw StoreError.compacted(requested: start, compactRevision: message.compactRevision)
        }
        if message.canceled {
            throw StoreError.backend("etcd cancelled the watch: \(EtcdFailure.printable(message.cancelReason))")
        }
        if message.created {
            guard !created else { throw StoreError.backend("etcd created one watch twice") }
            created = true
            guard message.events.isEmpty else { throw StoreError.backend("etcd sent events with the watch's creation") }
            return []
        }
        guard created else { throw StoreError.backend("etcd sent events before creating the watch") }
        // A reply without events is a progress notification; the protocol has no place for it yet.
        guard fragments.count + message.events.count <= Self.maxFragmentEvents else {
            throw StoreError.backend("etcd sent too many fragments")
        }
        fragments += message.events
        if message.fragment { return [] }
        let events = fragments
        fragments = []
        var groups: [[WatchEvent]] = []
        for event in events {
            let converted = try watchEvent(event)
            if converted.keyValue.modRevision < start { continue }
            let revision = converted.keyValue.modRevision
            if revision == lastRevision, !groups.isEmpty {
                groups[groups.count - 1].append(converted)
            } else if revision > lastRevision {
                groups.append([converted])
                lastRevision = revision
            } else {
                throw StoreError.backend("etcd sent watch events out of revision order")
            }
        }
        return groups
    }

    private func watchEvent(_ event: Mvccpb_Event) throws -> WatchEvent {
        guard event.hasKv else { throw StoreError.backend("etcd sent a watch event without a key") }
        let kv = event.kv
        guard kv.modRevision >= 1, etcdStart <= 0 || kv.modRevision >= etcdStart else {
            throw StoreError.backend("etcd sent a watch event from before the watch's start")
        }
        switch event.type {
        case .put:
            return WatchEvent(kind: .put, keyValue: try keyspace.keyValue(kv, in: range, notAfter: nil))
        case .delete:
            let key = try keyspace.storeKey(kv.key, in: range)
            return WatchEvent(
                kind: .delete,
                keyValue: KeyValue(key: key, value: [], createRevision: 0, modRevision: kv.modRevision, version: 0))
        case .UNRECOGNIZED:
            throw StoreError.backend("etcd sent a watch event of an unknown type")
        }
    }
}
