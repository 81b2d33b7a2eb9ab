// History replay for watches on the SQLite store: pages through the history table in
// (revision, key) order from a fixed snapshot revision, so memory stays bounded per page.

import CofferState
import Foundation
import GRDB

extension SQLiteStateStore {
    /// Emits the history of `range` from `from` through the latest revision at the first page,
    /// one array per revision, and returns that revision.
    func replay(
        range: StoreKeyRange, from: Int64, emit: @Sendable ([WatchEvent]) -> Void
    ) async throws -> Int64 {
        var through: Int64?
        var cursor: (revision: Int64, key: [UInt8])?
        var groupRevision: Int64?
        var groupEvents: [WatchEvent] = []
        while true {
            try Task.checkCancellation()
            let snapshot = through
            let after = cursor
            let (revisions, events) = try await read("watch") { db in
                let revisions = try Self.revisions(db)
                let last = snapshot ?? revisions.current
                let upper = range.end == nil ? "" : "AND key < ?"
                let position = after == nil ? "revision >= ?" : "(revision, key) > (?, ?)"
                var arguments: StatementArguments
                if let after {
                    arguments = [after.revision, Data(after.key)]
                } else {
                    arguments = [from]
                }
                arguments += [last, Data(range.start)]
                if let end = range.end { arguments += [Data(end)] }
                arguments += [Self.replayPageSize]
                let rows = try Row.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT revision, key, value, create_revision, version, deleted FROM history
                            WHERE \(position) AND revision <= ? AND key >= coalesce(?, x'') \(upper)
                            ORDER BY revision, key LIMIT ?
                            """),
                    arguments: arguments)
                return (revisions, rows.map(Self.watchEvent))
            }
            // Compaction deletes rows older than its revision: the replay fails if any row it
            // still needs may be gone.
            let needed = cursor?.revision ?? from
            if revisions.compacted > needed {
                throw StoreError.compacted(requested: from, compactRevision: revisions.compacted)
            }
            let last = through ?? revisions.current
            through = last
            if from > last { return last }

            for event in events {
                let revision = event.keyValue.modRevision
                if groupRevision != revision {
                    if !groupEvents.isEmpty { emit(groupEvents) }
                    groupEvents = []
                    groupRevision = revision
                }
                groupEvents.append(event)
                cursor = (revision, event.keyValue.key)
            }
            if events.count < Self.replayPageSize {
                if !groupEvents.isEmpty { emit(groupEvents) }
                return last
            }
        }
    }

    /// A history row of (revision, key, value, create_revision, version, deleted) as an event.
    private static func watchEvent(_ row: Row) -> WatchEvent {
        let revision: Int64 = row[0]
        let key = [UInt8](row[1] as Data)
        if row[5] as Int64 != 0 {
            return WatchEvent(
                kind: .delete,
                keyValue: KeyValue(key: key, value: [], createRevision: 0, modRevision: revision, version: 0))
        }
        return WatchEvent(
            kind: .put,
            keyValue: KeyValue(
                key: key, value: [UInt8](row[2] as Data), createRevision: row[3], modRevision: revision,
                version: row[4]))
    }
}
