// The records a backup holds: every record of the state at one store revision, as stored (the data
// records sealed under the domain key, the seal configuration in the clear), read in pages while
// the node goes on serving. Heartbeats and receipts are not state and are left out.

import CofferModel

/// One record of an export: its store key and its stored value.
public struct ExportedRecord: Sendable, Equatable {
    public let key: [UInt8]
    public let value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// What an export read: the revision it is consistent at and how many records it found.
public struct ExportSummary: Sendable, Equatable {
    public let revision: Int64
    public let records: Int
}

extension StateMachine {
    /// Records per read.
    static let exportPage = 500

    /// Reads every state record at the store's current revision: first counts them (so that the caller
    /// can name the count before the records), then hands them to `body` page by page, the seal
    /// configuration first. Admins only; `user` nil is the node's own schedule.
    public func exportRecords(
        by user: User?, counted: (ExportSummary) async throws -> Void, _ body: ([ExportedRecord]) async throws -> Void
    ) async throws -> ExportSummary {
        _ = try requireBarrier()
        if let user {
            guard user.role == .admin else { throw StateError.model(.roleNotPermitted(user.role, "make backups")) }
            // A backup quorum guards a user's backup; the node's own schedule is its operator's setting.
            try requireApproved(.createBackup)
        }
        let revision: Int64
        do { revision = try await store.currentRevision() } catch { throw StateError(error) }
        let seal: KeyValue?
        do { seal = try await store.get(RecordKey.sealConfiguration, at: revision) } catch { throw StateError(error) }
        guard let seal else { throw StateError.notInitialized }
        var count = 1
        try await readStateRecords(at: revision) { count += $0.count }
        let summary = ExportSummary(revision: revision, records: count)
        try await counted(summary)
        try await body([ExportedRecord(key: seal.key, value: seal.value)])
        try await readStateRecords(at: revision) { try await body($0) }
        return summary
    }

    /// The data records at `revision`, page by page, without heartbeats and receipts.
    private func readStateRecords(at revision: Int64, _ each: ([ExportedRecord]) async throws -> Void) async throws {
        // Past the audit log, which a backup does not carry (docs/audit.md).
        var start: [UInt8]? = RecordKey.afterAudit
        while true {
            let page: RangeResult
            do {
                page = try await store.range(prefix: RecordKey.dataPrefix, startKey: start, at: revision, limit: Self.exportPage)
            } catch {
                throw StateError(error)
            }
            let records = page.keyValues
                .filter {
                    !$0.key.starts(with: RecordKey.heartbeatPrefix) && !$0.key.starts(with: RecordKey.receiptPrefix)
                        && !$0.key.starts(with: RecordKey.backupClaimPrefix) && !$0.key.starts(with: RecordKey.peerHintPrefix)
                }
                .map { ExportedRecord(key: $0.key, value: $0.value) }
            if !records.isEmpty { try await each(records) }
            guard page.more, let last = page.keyValues.last?.key else { return }
            start = last + [0]
        }
    }
}

/// Which objects of a backup to put back.
public enum RestoreSelection: Sendable, Equatable {
    case handle(ObjectHandle)
    case label(String)
}

extension StateMachine {
    /// Puts back the token objects of a backup of this cluster that `selection` names and that no
    /// longer exist (a destroyed key), through the commit path, each with its old handle and owner.
    /// `records` are the backup's records as stored; a record this state's barrier cannot open is not
    /// of this cluster and fails the whole call (nothing is written). Admins only. Returns the
    /// objects put back; those named that still exist are left alone (all of them: refused), and an
    /// object whose owner is gone is refused.
    public func restoreObjects(
        from records: [ExportedRecord], selecting selection: RestoreSelection, by user: User
    ) async throws(StateError) -> [StoredObject] {
        let barrier = try requireBarrier()
        guard user.role == .admin else { throw .model(.roleNotPermitted(user.role, "restore from backups")) }
        var chosen: [ObjectRecord] = []
        for record in records {
            guard case .object(let handle) = RecordKey.kind(of: record.key) else { continue }
            let opened: ObjectRecord
            do {
                opened = try ObjectRecord(decoding: try barrier.open(record.value, recordKey: record.key))
            } catch {
                throw .model(.recordCorrupt("a record of the backup does not open under this cluster's key"))
            }
            guard opened.object.handle == handle else { throw .model(.recordCorrupt("a backup record is not its key's")) }
            switch selection {
            case .handle(let wanted) where wanted == handle: chosen.append(opened)
            case .label(let wanted) where opened.object.label == wanted: chosen.append(opened)
            default: continue
            }
        }
        guard !chosen.isEmpty else { throw .objectHandleInvalid }
        // The objects named that still exist stay as they are; only the destroyed ones come back.
        chosen = state.withLock { s in chosen.filter { s.index.objects[$0.object.handle] == nil } }
        guard !chosen.isEmpty else {
            throw .model(.actionProhibited("every object named still exists; only destroyed objects are restored"))
        }
        // A quorum token approves one restore-object; with more objects named, the first would land and
        // the rest be refused, so none is tried.
        if QuorumContext.token != nil, chosen.count > 1 {
            throw .quorum(
                "a quorum token approves one restore-object, and this selection names \(chosen.count) destroyed objects (handles \(chosen.map { String($0.object.handle) }.joined(separator: ", "))): restore them one by one with --handle, each with its own token")
        }
        for record in chosen {
            let handle = record.object.handle
            try await commit(.restoreObject(handle), by: user.id, attempts: 1) { () throws(StateError) in
                let (exists, owner) = state.withLock { ($0.index.objects[handle] != nil, $0.index.users[record.object.owner]) }
                if exists { throw .model(.actionProhibited("object \(handle) exists; only destroyed objects are restored")) }
                guard owner != nil else { throw .model(.actionProhibited("the owner of object \(handle) no longer exists")) }
                let key = RecordKey.object(handle)
                return (WritePlan(preconditions: [.absent(key)], writes: [.put(key: key, value: record.encoded())]), ())
            }
        }
        return chosen.map(\.object)
    }
}

extension StateMachine {
    /// Whether the state is unsealed now.
    public var isUnsealed: Bool { (try? requireBarrier()) != nil }

    /// Claims scheduled backup run `slot` for `node`: true for the one node whose claim lands first
    /// (a record that must be absent), false for the others. Claims older than 64 slots are deleted
    /// by the winner. Like the heartbeat, not state: no participant sees it, and the index ignores it.
    public func claimScheduledRun(slot: Int64, node: String) async throws -> Bool {
        let key = RecordKey.backupClaim(slot)
        let result = try await store.transact(
            compare: [.version(key: key, equals: 0)], success: [.put(key: key, value: Array(node.utf8))], failure: [])
        guard result.succeeded else { return false }
        let old = try await store.range(prefix: RecordKey.backupClaimPrefix, startKey: nil, at: nil, limit: 128)
        let horizon = RecordKey.backupClaim(slot - 64)
        let stale = old.keyValues.map(\.key).filter { $0.lexicographicallyPrecedes(horizon) }
        if !stale.isEmpty {
            _ = try? await store.transact(compare: [], success: stale.map { .delete(key: $0) }, failure: [])
        }
        return true
    }
}


/// A backup record opened under this state's domain key (`StateMachine.checkBackupRecord`).
public enum BackupRecordCheck: Sendable, Equatable {
    case user, object, system
    /// Kept in the clear: the user-name index, the seal configuration.
    case plain
    /// Sealed, but it does not open under this domain key or does not parse as its kind.
    case unopened
}

extension StateMachine {
    /// Opens one record of a backup as a node loading it would (the same code), keeping nothing:
    /// what it is, or `.unopened`. Needs the state unsealed.
    public func checkBackupRecord(key: [UInt8], value: [UInt8]) throws(StateError) -> BackupRecordCheck {
        let barrier = try requireBarrier()
        let keyValue = KeyValue(key: key, value: value, createRevision: 1, modRevision: 1, version: 1)
        switch Self.prepare(.put, keyValue, barrier: barrier) {
        case .putUser: return .user
        case .putObject: return .object
        case .putSystem: return .system
        case .ignore: return .plain
        case .corrupt, .removeUser, .removeObject, .removeSystem: return .unopened
        }
    }
}
