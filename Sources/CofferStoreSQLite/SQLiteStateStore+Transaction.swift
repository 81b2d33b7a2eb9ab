// The write path of the SQLite store: compare, then apply one branch inside a single SQLite
// transaction, so that the whole branch and its revision bump commit or roll back together.

import CofferState
import Foundation
import GRDB

extension SQLiteStateStore {
    /// Evaluates `compare` and applies the chosen branch. Runs inside an immediate transaction;
    /// returns the result and the events to publish once the transaction has committed.
    static func apply(
        compare: [StoreCompare], success: [StoreOperation], failure: [StoreOperation], in db: Database
    ) throws -> (TransactionResult, [WatchEvent]) {
        let revision = try revisions(db).current
        var holds = true
        for guardClause in compare {
            let (key, expected, pickModRevision): ([UInt8], Int64, Bool) =
                switch guardClause {
                case .modRevision(let key, let equals): (key, equals, true)
                case .version(let key, let equals): (key, equals, false)
                }
            let existing = try latest(key, in: db)
            let actual = (pickModRevision ? existing?.modRevision : existing?.version) ?? 0
            if actual != expected {
                holds = false
                break
            }
        }
        let operations = holds ? success : failure
        try StoreOperation.validate(operations)

        let next = revision + 1
        var events: [WatchEvent] = []
        events.reserveCapacity(operations.count)
        for operation in operations {
            switch operation {
            case .put(let key, let value):
                // One statement reads the old bookkeeping and writes the new: a new key starts
                // at (next, 1), an existing one keeps its create revision and counts a version.
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            INSERT INTO current (key, value, create_revision, mod_revision, version)
                            VALUES (?, coalesce(?, x''), ?, ?, 1)
                            ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                                mod_revision = excluded.mod_revision, version = current.version + 1
                            RETURNING create_revision, version
                            """),
                    arguments: [Data(key), Data(value), next, next])
                guard let row else { throw StoreError.backend("put: the upsert returned no row") }
                let written = KeyValue(
                    key: key, value: value, createRevision: row[0], modRevision: next, version: row[1])
                try insertHistory(written, deleted: false, in: db)
                events.append(WatchEvent(kind: .put, keyValue: written))
            case .delete(let key):
                // Deleting an absent key is no change, as in etcd.
                let deleted = try Row.fetchOne(
                    db.cachedStatement(sql: "DELETE FROM current WHERE key = ? RETURNING 1"),
                    arguments: [Data(key)])
                guard deleted != nil else { continue }
                let tombstone = KeyValue(key: key, value: [], createRevision: 0, modRevision: next, version: 0)
                try insertHistory(tombstone, deleted: true, in: db)
                events.append(WatchEvent(kind: .delete, keyValue: tombstone))
            }
        }
        guard !events.isEmpty else {
            return (TransactionResult(succeeded: holds, revision: revision), [])
        }
        try db.cachedStatement(sql: "UPDATE meta SET value = ? WHERE name = 'revision'")
            .execute(arguments: [next])
        return (TransactionResult(succeeded: holds, revision: next), events)
    }

    private static func latest(_ key: [UInt8], in db: Database) throws -> KeyValue? {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT key, value, create_revision, mod_revision, version FROM current
                    WHERE key = coalesce(?, x'')
                    """),
            arguments: [Data(key)])
        return row.map(keyValue)
    }

    private static func insertHistory(_ keyValue: KeyValue, deleted: Bool, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO history (revision, key, value, create_revision, version, deleted)
                VALUES (?, ?, coalesce(?, x''), ?, ?, ?)
                """
        ).execute(arguments: [
            keyValue.modRevision, Data(keyValue.key), Data(keyValue.value),
            keyValue.createRevision, keyValue.version, deleted ? 1 : 0,
        ])
    }
}
