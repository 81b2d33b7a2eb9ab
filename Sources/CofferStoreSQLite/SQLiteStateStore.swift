// The embedded StateStore: one SQLite file in WAL mode, synchronous = FULL, so that a transaction
// acknowledged by `transact` survives kill -9 and power loss. docs/storage.md has the schema.

import CofferState
import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `StateStore` in one SQLite database file, through a GRDB `DatabasePool` (one writer,
/// concurrent snapshot readers).
///
/// Durability: the database runs in WAL mode with `synchronous = FULL`, so each commit fsyncs
/// the write-ahead log before `transact` returns. `NORMAL` would already survive a crash of this
/// process (a committed frame sits in the OS page cache and the next open replays it), but it
/// defers the fsync to the next checkpoint, so an OS crash or power loss could roll back
/// transactions that were acknowledged. An HSM must not forget a key it reported as created.
///
/// The store never logs, and its errors never carry keys or values.
public final class SQLiteStateStore: StateStore {
    /// The path of the database file.
    public let path: String

    let pool: DatabasePool
    let watchers: WatchRegistry
    private let closed = Mutex(false)

    /// No limit of its own: one SQLite transaction takes any number of operations (SQLite caps
    /// each value at 1 GB, far above any sealed record).
    public var limits: StoreLimits { .unlimited }

    /// How many history rows a watch replay reads per snapshot, to bound memory.
    static let replayPageSize = 512

    private init(path: String, pool: DatabasePool, revision: Int64) {
        self.path = path
        self.pool = pool
        self.watchers = WatchRegistry(publishedRevision: revision)
    }

    /// Opens the store at `path`, creating the file (mode 0600) and its folder (mode 0700) when
    /// missing, and the schema in a new file.
    public static func open(path: String) throws -> SQLiteStateStore {
        do {
            try createPrivateFile(at: path)
            var configuration = Configuration()
            configuration.label = "CofferStateStore"
            configuration.prepareDatabase { db in
                // FULL: fsync the WAL at every commit (see the type's documentation).
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            let pool = try DatabasePool(path: path, configuration: configuration)
            let journalMode = try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            guard journalMode?.lowercased() == "wal" else {
                throw StoreError.backend("open: the database refused WAL mode")
            }
            try migrator.migrate(pool)
            let revision = try pool.read { db in try Self.revisions(db).current }
            return SQLiteStateStore(path: path, pool: pool, revision: revision)
        } catch {
            throw StateStoreError.map(error, during: "open")
        }
    }

    public func currentRevision() async throws -> Int64 {
        try await read("currentRevision") { db in try Self.revisions(db).current }
    }

    public func get(_ key: [UInt8], at revision: Int64?) async throws -> KeyValue? {
        try await read("get") { db in
            let at = try Self.readRevision(revision, in: db)
            if at.isLatest {
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT key, value, create_revision, mod_revision, version
                            FROM current WHERE key = coalesce(?, x'')
                            """),
                    arguments: [Data(key)])
                return row.map(Self.keyValue)
            }
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT key, value, create_revision, revision, version, deleted
                        FROM history WHERE key = coalesce(?, x'') AND revision <= ?
                        ORDER BY revision DESC LIMIT 1
                        """),
                arguments: [Data(key), at.revision])
            guard let row, row[5] as Int64 == 0 else { return nil }
            return Self.keyValue(row)
        }
    }

    public func range(
        prefix: [UInt8], startKey: [UInt8]?, at revision: Int64?, limit: Int?
    ) async throws -> RangeResult {
        let range = StoreKeyRange(prefix: prefix, startKey: startKey)
        // One row past the limit tells whether there are more.
        let fetchLimit: Int64 = if let limit, limit > 0 { Int64(min(limit, Int(Int32.max))) + 1 } else { -1 }
        return try await read("range") { db in
            let at = try Self.readRevision(revision, in: db)
            if range.isEmpty { return RangeResult(keyValues: [], revision: at.revision, more: false) }
            let upper = range.end == nil ? "" : "AND key < ?"
            var arguments: StatementArguments = [Data(range.start)]
            if let end = range.end { arguments += [Data(end)] }
            let statement: Statement
            if at.isLatest {
                statement = try db.cachedStatement(
                    sql: """
                        SELECT key, value, create_revision, mod_revision, version FROM current
                        WHERE key >= coalesce(?, x'') \(upper) ORDER BY key LIMIT ?
                        """)
                arguments += [fetchLimit]
            } else {
                // The newest version at or before the revision of each key in the range, if live.
                statement = try db.cachedStatement(
                    sql: """
                        SELECT key, value, create_revision, revision, version FROM history AS h
                        WHERE key >= coalesce(?, x'') \(upper) AND revision <= ? AND deleted = 0
                          AND revision = (SELECT max(revision) FROM history
                                          WHERE key = h.key AND revision <= ?)
                        ORDER BY key LIMIT ?
                        """)
                arguments += [at.revision, at.revision, fetchLimit]
            }
            var keyValues = try Row.fetchAll(statement, arguments: arguments).map(Self.keyValue)
            var more = false
            if fetchLimit > 0, keyValues.count == Int(fetchLimit) {
                keyValues.removeLast()
                more = true
            }
            return RangeResult(keyValues: keyValues, revision: at.revision, more: more)
        }
    }

    public func transact(
        compare: [StoreCompare], success: [StoreOperation], failure: [StoreOperation]
    ) async throws -> TransactionResult {
        try checkOpen()
        do {
            return try await pool.writeWithoutTransaction { [watchers] db in
                var result = TransactionResult(succeeded: false, revision: 0)
                var events: [WatchEvent] = []
                try db.inTransaction(.immediate) {
                    (result, events) = try Self.apply(compare: compare, success: success, failure: failure, in: db)
                    return .commit
                }
                // After the commit and still on the writer, so watches see revisions in order.
                if !events.isEmpty { watchers.publish(revision: result.revision, events: events) }
                return result
            }
        } catch {
            throw mapped(error, during: "transact")
        }
    }

    public func watch(prefix: [UInt8], fromRevision: Int64) -> AsyncThrowingStream<[WatchEvent], Error> {
        watchers.watch(range: StoreKeyRange(prefix: prefix), fromRevision: fromRevision) { [self] range, from, emit in
            try await self.replay(range: range, from: from, emit: emit)
        }
    }

    public func compact(before revision: Int64) async throws {
        try checkOpen()
        do {
            try await pool.write { db in
                let revisions = try Self.revisions(db)
                if revision > revisions.current {
                    throw StoreError.futureRevision(requested: revision, current: revisions.current)
                }
                if revision <= revisions.compacted {
                    throw StoreError.compacted(requested: revision, compactRevision: revisions.compacted)
                }
                // Keep what reads at `revision` or later can reach: every row from `revision` on,
                // and for each key the newest older row unless a tombstone.
                try db.execute(
                    sql: """
                        DELETE FROM history
                        WHERE revision < :compact
                          AND (deleted = 1 OR EXISTS (
                              SELECT 1 FROM history AS newer
                              WHERE newer.key = history.key AND newer.revision > history.revision
                                AND newer.revision <= :compact))
                        """,
                    arguments: ["compact": revision])
                try db.execute(
                    sql: "UPDATE meta SET value = ? WHERE name = 'compact_revision'", arguments: [revision])
            }
        } catch {
            throw mapped(error, during: "compact")
        }
    }

    public func close() async {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        watchers.close()
        // Waits for running reads and the running write, then refuses new ones.
        try? pool.close()
    }

    // MARK: - Plumbing

    private func checkOpen() throws {
        if closed.withLock({ $0 }) { throw StoreError.closed }
    }

    private func mapped(_ error: any Error, during operation: String) -> StoreError {
        if closed.withLock({ $0 }), !(error is StoreError) { return .closed }
        return StateStoreError.map(error, during: operation)
    }

    func read<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try checkOpen()
        do {
            return try await pool.read(body)
        } catch {
            throw mapped(error, during: operation)
        }
    }

    static func revisions(_ db: Database) throws -> (current: Int64, compacted: Int64) {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT name, value FROM meta"))
        var current: Int64?
        var compacted: Int64?
        for row in rows {
            switch row[0] as String {
            case "revision": current = row[1]
            case "compact_revision": compacted = row[1]
            default: break
            }
        }
        guard let current, let compacted else { throw StoreError.backend("the meta table is damaged") }
        return (current, compacted)
    }

    /// The revision a read at `requested` is served at, or the error etcd would give.
    private static func readRevision(
        _ requested: Int64?, in db: Database
    ) throws -> (revision: Int64, isLatest: Bool) {
        let revisions = try revisions(db)
        guard let requested else { return (revisions.current, true) }
        if requested > revisions.current {
            throw StoreError.futureRevision(requested: requested, current: revisions.current)
        }
        if requested < revisions.compacted {
            throw StoreError.compacted(requested: requested, compactRevision: revisions.compacted)
        }
        return (requested, requested == revisions.current)
    }

    /// A row of (key, value, create_revision, mod_revision, version) as a `KeyValue`.
    static func keyValue(_ row: Row) -> KeyValue {
        KeyValue(
            key: [UInt8](row[0] as Data), value: [UInt8](row[1] as Data),
            createRevision: row[2], modRevision: row[3], version: row[4])
    }

    /// Creates an empty file readable by its owner only, unless it exists; creates its folder.
    private static func createPrivateFile(at path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let descriptor = path.withCString { Foundation.open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        guard descriptor >= 0 else {
            throw StoreError.backend("open: cannot create the database file (errno \(errno))")
        }
        _ = Foundation.close(descriptor)
    }
}
