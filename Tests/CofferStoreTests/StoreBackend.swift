// The backends the conformance suite runs against; each case makes a fresh, empty store
// (SQLite in its own temporary folder, etcd under its own prefix) and cleans it up after the test.
// A fresh etcd store's revision is etcd's current one, not 0: tests read it first and count from it.

import CofferState
import CofferStoreEtcd
import CofferStoreMemory
import CofferStoreSQLite
import Foundation
import Testing

enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    /// A real etcd member shared by the test process, a fresh prefix per test (EtcdTestServer).
    case etcd

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh store of this backend, then closes it and removes its files.
    func withStore(_ body: (any StateStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            let store = MemoryStateStore()
            do {
                try await body(store)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        case .sqlite:
            try await withTemporaryFolder { folder in
                let store = try SQLiteStateStore.open(path: folder.appendingPathComponent("state.sqlite").path)
                do {
                    try await body(store)
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
            }
        case .etcd:
            await EtcdTurns.shared.acquire()
            do {
                let store = try await makeEtcdTestStore()
                do {
                    try await body(store)
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
            } catch {
                await EtcdTurns.shared.release()
                throw error
            }
            await EtcdTurns.shared.release()
        }
    }
}

/// Runs `body` with a new empty folder, removed afterwards.
func withTemporaryFolder(_ body: (URL) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("coffer-store-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try await body(folder)
}

/// The UTF-8 bytes of `text`, for readable test keys and values.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

extension StateStore {
    /// Puts one key in its own transaction and returns the new revision.
    @discardableResult
    func put(_ key: [UInt8], _ value: [UInt8]) async throws -> Int64 {
        try await transact(compare: [], success: [.put(key: key, value: value)], failure: []).revision
    }

    /// Deletes one key in its own transaction and returns the revision after it.
    @discardableResult
    func delete(_ key: [UInt8]) async throws -> Int64 {
        try await transact(compare: [], success: [.delete(key: key)], failure: []).revision
    }

    /// Reads every key with `prefix` at the latest revision, in pages of `pageSize` keys.
    func all(prefix: [UInt8], pageSize: Int = 1000) async throws -> [KeyValue] {
        var found: [KeyValue] = []
        var startKey: [UInt8]?
        while true {
            let page = try await range(prefix: prefix, startKey: startKey, at: nil, limit: pageSize)
            found += page.keyValues
            guard page.more, let last = page.keyValues.last else { return found }
            startKey = last.key + [0x00]
        }
    }
}
