// The records a backup holds: every record of the state at one store revision, as stored (the data
// records sealed under the domain key, the seal configuration in the clear), read in pages while
// the node goes on serving. Heartbeats and receipts are not state and are left out.

import CofferModel

/// One record of an export: its store key and its stored value.
public struct ExportedRecord: Sendable, Equatable {
    public let key: [UInt8]
    public let value: [UInt8]
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
    /// configuration first. Admins only.
    public func exportRecords(
        by user: User, counted: (ExportSummary) async throws -> Void, _ body: ([ExportedRecord]) async throws -> Void
    ) async throws -> ExportSummary {
        _ = try requireBarrier()
        guard user.role == .admin else { throw StateError.model(.roleNotPermitted(user.role, "make backups")) }
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
        var start: [UInt8]? = nil
        while true {
            let page: RangeResult
            do {
                page = try await store.range(prefix: RecordKey.dataPrefix, startKey: start, at: revision, limit: Self.exportPage)
            } catch {
                throw StateError(error)
            }
            let records = page.keyValues
                .filter { !$0.key.starts(with: RecordKey.heartbeatPrefix) && !$0.key.starts(with: RecordKey.receiptPrefix) }
                .map { ExportedRecord(key: $0.key, value: $0.value) }
            if !records.isEmpty { try await each(records) }
            guard page.more, let last = page.keyValues.last?.key else { return }
            start = last + [0]
        }
    }
}
