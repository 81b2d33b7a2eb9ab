// The mapping between a store's keys and etcd's: every key gains the configured prefix on the way
// out and loses it on the way back, and every key and bookkeeping value etcd sends is checked
// before it is believed, since a reply from the network may be anything.

import CofferState
import Foundation

/// The etcd key range of one store: its prefix, and the checks on what etcd returns.
struct EtcdKeyspace: Sendable {
    let prefix: [UInt8]

    /// The etcd key of store key `key`.
    func etcdKey(_ key: [UInt8]) -> Data { Data(prefix + key) }

    /// The etcd range `[key, rangeEnd)` of the store keys `range` selects. etcd's range end
    /// `[0x00]` means "every key from `key` on", used only when the prefix itself has no end.
    func etcdRange(_ range: StoreKeyRange) -> (key: Data, rangeEnd: Data) {
        let start = prefix + range.start
        let end: [UInt8]
        if let rangeEnd = range.end {
            end = prefix + rangeEnd
        } else {
            end = StoreKeyRange.prefixEnd(prefix) ?? [0x00]
        }
        // etcd refuses an empty key ("key is not provided"); no key is empty, so [0x00] starts
        // the same range.
        return (Data(start.isEmpty ? [0x00] : start), Data(end))
    }

    /// The store key of an etcd key etcd returned for a request on `range`, or a backend error
    /// when it lies outside the range or the prefix (never trusted blindly).
    func storeKey(_ etcdKey: Data, in range: StoreKeyRange) throws -> [UInt8] {
        let bytes = [UInt8](etcdKey)
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else {
            throw StoreError.backend("etcd returned a key outside the store's prefix")
        }
        let key = Array(bytes[prefix.count...])
        guard range.contains(key) else {
            throw StoreError.backend("etcd returned a key outside the requested range")
        }
        return key
    }

    /// A checked `KeyValue` from an etcd one: its key in `range`, the bookkeeping consistent
    /// (version at least 1, created at or before its last modification, neither after `revision`
    /// when that is known).
    func keyValue(_ kv: Mvccpb_KeyValue, in range: StoreKeyRange, notAfter revision: Int64?) throws -> KeyValue {
        let key = try storeKey(kv.key, in: range)
        guard kv.version >= 1, kv.createRevision >= 1, kv.modRevision >= kv.createRevision else {
            throw StoreError.backend("etcd returned a key with inconsistent revisions")
        }
        if let revision, kv.modRevision > revision {
            throw StoreError.backend("etcd returned a key modified after the revision it was read at")
        }
        return KeyValue(
            key: key, value: [UInt8](kv.value), createRevision: kv.createRevision, modRevision: kv.modRevision,
            version: kv.version)
    }
}
