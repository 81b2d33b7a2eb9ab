// `cofferd --restore FILE`: a backup's records written into an empty store before the node starts
// (docs/backup.md). The file is checked whole first (structure and the CA's signature); nothing is
// written unless it passes, and nothing is written over a store that holds a cluster. The node then
// starts as any node of an initialized cluster with no certificate of its own: on its join listener,
// sealed, until the original cluster's shares unseal it and it issues itself a certificate from the
// restored CA.

import CofferBackup
import CofferServer
import CofferState
import Foundation

enum Restore {
    struct Outcome {
        let records: Int
        let revision: Int64
        let cluster: String
    }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Restores `file` into `store`. With `replacing`, a cluster the store holds is deleted first, after
    /// `announce` has said what is replaced; without, such a store is refused.
    static func run(
        file: String, into store: any StateStore, directory: DataDirectory, replacing: Bool = false,
        announce: (String) -> Void = { _ in }
    ) async throws -> Outcome {
        if FileManager.default.fileExists(atPath: directory.tls), !replacing {
            throw Refusal(description: "\(directory.tls) holds a node certificate already; restore into an empty data folder (or --replace-existing)")
        }
        var records: [(key: [UInt8], value: [UInt8])] = []
        let summary: BackupSummary
        do {
            summary = try BackupReader.verify(path: file) { key, value in records.append((key, value)) }
        } catch let error as BackupError {
            throw Refusal(description: "not a valid backup: \(error.description); nothing was written")
        }
        let sealed = try await store.get(RecordKey.sealConfiguration, at: nil)
        let data = try await store.range(prefix: RecordKey.dataPrefix, startKey: nil, at: nil, limit: 1)
        if sealed != nil || !data.keyValues.isEmpty {
            guard replacing else {
                throw Refusal(description: "the store already holds a cluster; restoring over it is refused (nothing was written; --replace-existing replaces it)")
            }
            try await clear(store, directory: directory, announce: announce, with: summary)
        }
        // Each batch lands whole or not at all, and only where no record is yet.
        let perTransaction = max(1, store.limits.maxOperationsPerTransaction)
        let maxBytes = store.limits.maxRequestBytes / 2
        var start = 0
        while start < records.count {
            var end = start
            var bytes = 0
            while end < records.count, end - start < perTransaction, bytes + records[end].key.count + records[end].value.count <= maxBytes || end == start {
                bytes += records[end].key.count + records[end].value.count
                end += 1
            }
            let batch = records[start..<end]
            let result = try await store.transact(
                compare: batch.map { .version(key: $0.key, equals: 0) }, success: batch.map { .put(key: $0.key, value: $0.value) },
                failure: [])
            guard result.succeeded else {
                throw Refusal(description: "another writer changed the store during the restore after \(start) records")
            }
            start = end
        }
        return Outcome(records: records.count, revision: summary.header.revision, cluster: summary.header.cluster)
    }

    /// Deletes every record of the cluster the store holds (saying how many, at which revision, and
    /// what replaces them) and moves the data folder's node certificate aside.
    private static func clear(
        _ store: any StateStore, directory: DataDirectory, announce: (String) -> Void, with summary: BackupSummary
    ) async throws {
        var keys: [[UInt8]] = [RecordKey.sealConfiguration]
        var start: [UInt8]? = nil
        while true {
            let page = try await store.range(prefix: RecordKey.dataPrefix, startKey: start, at: nil, limit: 1000)
            keys += page.keyValues.map(\.key)
            guard page.more, let last = page.keyValues.last?.key else { break }
            start = last + [0]
        }
        let revision = try await store.currentRevision()
        var moved = ""
        if FileManager.default.fileExists(atPath: directory.tls) {
            let aside = directory.tls + ".replaced-\(Int(Date().timeIntervalSince1970))"
            try FileManager.default.moveItem(atPath: directory.tls, toPath: aside)
            moved = "; its node certificate moved to \(aside)"
        }
        announce(
            "replacing the cluster in the store (\(keys.count - 1) records and its seal configuration, at store revision \(revision))"
                + " with the backup of cluster \"\(summary.header.cluster)\" (\(summary.header.records) records, revision \(summary.header.revision), made \(summary.header.created))"
                + moved)
        let perTransaction = max(1, store.limits.maxOperationsPerTransaction)
        for index in stride(from: 0, to: keys.count, by: perTransaction) {
            let batch = keys[index..<min(index + perTransaction, keys.count)]
            _ = try await store.transact(compare: [], success: batch.map { .delete(key: $0) }, failure: [])
        }
    }
}

