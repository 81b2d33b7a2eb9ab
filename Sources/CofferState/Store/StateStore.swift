// The storage contract under the state machine. It follows etcd's v3 model (bytes in and out,
// one global revision, compare-and-swap transactions, ranges at a revision, watches from a
// revision), so that the etcd backend of the cluster issue fits without changing it.
// Values reaching a store are already sealed by the `Barrier`; a store never sees plaintext.

/// A key and its value at some revision, with etcd's bookkeeping.
public struct KeyValue: Sendable, Equatable {
    public var key: [UInt8]
    public var value: [UInt8]
    /// The revision of the put that created the key (since its last delete).
    public var createRevision: Int64
    /// The revision of the last put to the key.
    public var modRevision: Int64
    /// How many puts since creation; 1 after the first put. A deleted key has version 0.
    public var version: Int64

    public init(key: [UInt8], value: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
    }
}

/// A guard on a transaction, as etcd's `Compare` with the `EQUAL` result.
public enum StoreCompare: Sendable, Equatable {
    /// The key's last modification revision equals `revision` (0: the key does not exist).
    case modRevision(key: [UInt8], equals: Int64)
    /// The key's version equals `version` (0: the key does not exist).
    case version(key: [UInt8], equals: Int64)
}

/// A write inside a transaction.
public enum StoreOperation: Sendable, Equatable {
    case put(key: [UInt8], value: [UInt8])
    case delete(key: [UInt8])
}

/// The outcome of `transact`.
public struct TransactionResult: Sendable, Equatable {
    /// True when every compare held and the success operations were applied.
    public var succeeded: Bool
    /// The store's revision after the transaction (unchanged if nothing was written).
    public var revision: Int64

    public init(succeeded: Bool, revision: Int64) {
        self.succeeded = succeeded
        self.revision = revision
    }
}

/// The result of a range read.
public struct RangeResult: Sendable, Equatable {
    public var keyValues: [KeyValue]
    /// The revision the read was served at.
    public var revision: Int64
    /// True when `limit` cut the result short.
    public var more: Bool

    public init(keyValues: [KeyValue], revision: Int64, more: Bool) {
        self.keyValues = keyValues
        self.revision = revision
        self.more = more
    }
}

/// One change seen by a watch.
public struct WatchEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case put, delete }
    public var kind: Kind
    /// For a delete, `value` is empty and `modRevision` is the delete's revision.
    public var keyValue: KeyValue

    public init(kind: Kind, keyValue: KeyValue) {
        self.kind = kind
        self.keyValue = keyValue
    }
}

/// Errors from a store.
public enum StoreError: Error, Equatable, Sendable {
    /// The requested revision has been compacted away.
    case compacted(requested: Int64, compactRevision: Int64)
    /// The requested revision is newer than the store's.
    case futureRevision(requested: Int64, current: Int64)
    /// The store is closed.
    case closed
    /// The transaction is malformed: an empty key, or one key written twice in one branch
    /// (etcd rejects both, with "key is not provided" and "duplicate key given in txn request").
    case invalidTransaction(String)
    /// The backend failed (I/O, corruption, a malformed reply). The message never holds record values.
    case backend(String)
    /// A transaction holds more compares, or more operations in one branch, than the store's
    /// `limits` allow; nothing was sent or written. Split it.
    case tooManyOperations(count: Int, limit: Int)
    /// A transaction's request is larger than the store's `limits` allow; nothing was sent or
    /// written. Split it.
    case requestTooLarge(bytes: Int, limit: Int)
    /// The backend cannot be reached or has no quorum (etcd: unavailable, deadline exceeded). The
    /// outcome of a write that failed this way is unknown; reading decides whether it landed.
    /// Retryable.
    case unavailable(String)
    /// The backend refused the call before handling it (etcd: the member reached has no leader, and
    /// every call asks to be refused then); nothing was applied. Retryable.
    case refused(String)
}

/// A revisioned key-value store.
///
/// Every write bumps one global revision by exactly one per transaction; every key written in
/// that transaction gets that revision as its `modRevision`. Reads and watches are consistent
/// with that order. A store that shares its backend with other writers (etcd under a key prefix)
/// also sees their transactions bump the revision: its own transactions' revisions strictly
/// increase but may skip numbers, so callers compare revisions and never count them.
public protocol StateStore: Sendable {
    /// What one transaction may hold. `transact` refuses larger ones with
    /// `StoreError.tooManyOperations` or `StoreError.requestTooLarge` and writes nothing.
    var limits: StoreLimits { get }

    /// The latest committed revision (0 for an empty store).
    func currentRevision() async throws -> Int64

    /// Reads one key, at `revision` or at the latest revision when nil.
    func get(_ key: [UInt8], at revision: Int64?) async throws -> KeyValue?

    /// Reads keys with `prefix` in byte order, starting at `startKey` (inclusive) when given, at
    /// `revision` or the latest when nil, at most `limit` of them when given (0 or less: no limit,
    /// as etcd's 0). The prefix's range ends at `StoreKeyRange.prefixEnd(prefix)`; an empty
    /// prefix selects every key. Page by passing the last key read plus a 0x00 byte as `startKey`.
    func range(prefix: [UInt8], startKey: [UInt8]?, at revision: Int64?, limit: Int?) async throws -> RangeResult

    /// Applies `success` atomically if every compare holds, else `failure`. Returns only once the
    /// write is durable: a crash after return loses nothing. A branch may name each key once, and
    /// never the empty key (`StoreError.invalidTransaction`). Deleting an absent key changes
    /// nothing; the revision grows only when the applied branch changed something, as in etcd.
    /// A transaction over `limits` is refused before anything is written.
    func transact(
        compare: [StoreCompare],
        success: [StoreOperation],
        failure: [StoreOperation]
    ) async throws -> TransactionResult

    /// Streams every change to keys with `prefix`, starting with revision `fromRevision`
    /// (inclusive; 0 or less: from the next revision, as etcd's 0), grouped by revision (one
    /// array per revision) and in revision order. The stream ends when the store closes; it fails
    /// with `StoreError.compacted` when `fromRevision` is older than the compaction point. A watch
    /// from exactly the compaction point may fail that way too (etcd drops that revision's
    /// tombstones when it compacts, so it cannot replay them); from the point's next revision on,
    /// a watch always replays. Callers read a snapshot at S and watch from S + 1.
    func watch(prefix: [UInt8], fromRevision: Int64) -> AsyncThrowingStream<[WatchEvent], Error>

    /// Forgets history before `revision`. Reads and watches at older revisions then fail with
    /// `StoreError.compacted`; reads at `revision` and later are unchanged. As in etcd, compacting
    /// at or before the current compaction point throws `compacted`, past the current revision
    /// throws `futureRevision`.
    func compact(before revision: Int64) async throws

    /// Closes the store; open watches finish.
    func close() async
}
