// The SQLite schema of a state store, as GRDB migrations so that later versions can evolve it.
// docs/storage.md explains each table and index.

import GRDB

extension SQLiteStateStore {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // The current and compacted revisions. One row each.
            try db.execute(
                sql: """
                    CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO meta (name, value) VALUES ('revision', 0), ('compact_revision', 0);
                    """)
            // The latest version of every live key: point and prefix reads at the latest revision
            // walk the key index only. A rowid table, since values (sealed records) can be large.
            try db.execute(
                sql: """
                    CREATE TABLE current (
                        key BLOB PRIMARY KEY NOT NULL,
                        value BLOB NOT NULL,
                        create_revision INTEGER NOT NULL,
                        mod_revision INTEGER NOT NULL,
                        version INTEGER NOT NULL);
                    """)
            // Every version written since the compaction point, deletes as tombstones. Indexed by
            // (revision, key) for watch catch-up and by (key, revision) for reads at a revision.
            try db.execute(
                sql: """
                    CREATE TABLE history (
                        revision INTEGER NOT NULL,
                        key BLOB NOT NULL,
                        value BLOB NOT NULL,
                        create_revision INTEGER NOT NULL,
                        version INTEGER NOT NULL,
                        deleted INTEGER NOT NULL);
                    CREATE UNIQUE INDEX history_by_revision ON history (revision, key);
                    CREATE UNIQUE INDEX history_by_key ON history (key, revision);
                    """)
        }
        return migrator
    }
}
