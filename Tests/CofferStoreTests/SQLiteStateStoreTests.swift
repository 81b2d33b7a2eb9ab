// SQLite-only behaviour: a reopened file holds everything written before, and the database and
// its write-ahead log are private to their owner.

import CofferState
import CofferStoreSQLite
import Foundation
import Testing

@Suite struct SQLiteStateStoreTests {
    @Test func reopenedStoreHoldsEverything() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("state.sqlite").path
            let first = try SQLiteStateStore.open(path: path)
            try await first.put(bytes("k/a"), bytes("a1"))  // 1
            try await first.put(bytes("k/b"), [0x00, 0xFF])  // 2
            try await first.put(bytes("k/a"), bytes("a2"))  // 3
            try await first.delete(bytes("k/b"))  // 4
            try await first.put(bytes("k/c"), [])  // 5
            try await first.compact(before: 2)
            await first.close()

            let second = try SQLiteStateStore.open(path: path)
            #expect(try await second.currentRevision() == 5)
            #expect(
                try await second.get(bytes("k/a"), at: nil)
                    == KeyValue(key: bytes("k/a"), value: bytes("a2"), createRevision: 1, modRevision: 3, version: 2))
            #expect(try await second.get(bytes("k/b"), at: 3)?.value == [0x00, 0xFF])
            #expect(try await second.get(bytes("k/c"), at: nil)?.value == [])
            #expect(try await second.all(prefix: bytes("k/")).map(\.key) == [bytes("k/a"), bytes("k/c")])
            await #expect(throws: StoreError.compacted(requested: 1, compactRevision: 2)) {
                try await second.get(bytes("k/a"), at: 1)
            }
            // History survives too: a watch replays from before the reopen, then goes on live.
            var watch = second.watch(prefix: bytes("k/"), fromRevision: 4).makeAsyncIterator()
            #expect(try await watch.next()?.map(\.kind) == [.delete])
            #expect(try await watch.next()?.map(\.keyValue.key) == [bytes("k/c")])
            #expect(try await second.put(bytes("k/d"), bytes("d")) == 6)
            #expect(try await watch.next()?.map(\.keyValue.modRevision) == [6])
            await second.close()
        }
    }

    @Test func databaseFilesAreOwnerOnly() async throws {
        try await withTemporaryFolder { folder in
            let nested = folder.appendingPathComponent("a/b", isDirectory: true)
            let path = nested.appendingPathComponent("state.sqlite").path
            let store = try SQLiteStateStore.open(path: path)
            try await store.put(bytes("k"), bytes("v"))
            for file in [path, path + "-wal"] {
                let attributes = try FileManager.default.attributesOfItem(atPath: file)
                let mode = try #require(attributes[.posixPermissions] as? NSNumber).intValue
                #expect(mode & 0o777 == 0o600, "\(file) has mode \(String(mode, radix: 8))")
            }
            let folderAttributes = try FileManager.default.attributesOfItem(atPath: nested.path)
            let folderMode = try #require(folderAttributes[.posixPermissions] as? NSNumber).intValue
            #expect(folderMode & 0o077 == 0)
            await store.close()
        }
    }

    @Test func unusableFileIsAnError() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("not-a-database").path
            try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: StoreError.self) { try SQLiteStateStore.open(path: path) }
            guard case .backend(let message) = error else {
                Issue.record("expected a backend error, got \(String(describing: error))")
                return
            }
            // SQLite's own words (SQLITE_NOTADB is 26), nothing of the file's content.
            #expect(message.contains("26"))
            #expect(!message.contains("AAAA"))
        }
    }
}
