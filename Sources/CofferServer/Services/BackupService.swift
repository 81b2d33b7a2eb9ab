// BackupService: an admin's backup, streamed as the file's bytes (docs/backup.md). The node reads the
// records at one store revision in pages, through the state machine, while it goes on serving, and
// the cluster CA signs the file's digest at the end.

import CofferBackup
import CofferProtocol
import CofferState
import Foundation
import GRPCCore
import Logging

/// Backups.
struct BackupService: Coffer_V1_BackupService.SimpleServiceProtocol {
    let gate: RequestGate
    let node: NodeInfo

    static let logger = Logger(label: "coffer.backup")
    /// Bytes per chunk sent (several records each).
    static let chunkBytes = 1 << 20

    func createBackup(
        request: Coffer_V1_CreateBackupRequest, response: RPCWriter<Coffer_V1_BackupChunk>, context: ServerContext
    ) async throws {
        try await gate.run(request.header, context) { caller in
            let user = try caller.requireUser()
            let ca = try ClusterCA.load(from: gate.state)
            let cluster = ClusterCA.clusterName(in: gate.state) ?? node.clusterName
            var writer: BackupWriter?
            var pending: [UInt8] = []
            let summary = try await gate.approved(.createBackup, user) {
                try await gate.state.exportRecords(by: user) { summary in
                let started = try BackupWriter(
                    header: BackupHeader(
                        cluster: cluster, revision: summary.revision, created: Date(), records: summary.records,
                        caCertificate: ca.certificatePEM))
                writer = started
                var first = Coffer_V1_BackupChunk()
                first.data = Data(started.start)
                first.revision = summary.revision
                first.records = UInt64(summary.records)
                try await response.write(first)
            } _: { records in
                pending += writer!.records(records.map { ($0.key, $0.value) })
                if pending.count >= Self.chunkBytes {
                    var chunk = Coffer_V1_BackupChunk()
                    chunk.data = Data(pending)
                    pending = []
                    try await response.write(chunk)
                }
            }
            }
            var last = Coffer_V1_BackupChunk()
            last.data = Data(pending + (try writer!.finish { try ca.sign(digest: $0) }))
            try await response.write(last)
            Self.logger.notice(
                "backup made", metadata: ["revision": "\(summary.revision)", "records": "\(summary.records)", "by": "\(user.name)"])
        }
    }

    /// The largest backup a restore takes.
    static let maxRestoreBytes: Int64 = 8 << 30

    func restoreObjects(
        request: RPCAsyncSequence<Coffer_V1_RestoreObjectsChunk, any Error>, context: ServerContext
    ) async throws -> Coffer_V1_RestoreObjectsResponse {
        var chunks = request.makeAsyncIterator()
        guard let first = try await chunks.next() else { throw ServiceFailure.argumentsBad("no request") }
        return try await gate.run(first.header, context) { caller in
            let user = try caller.requireUser()
            // Checked before the file is taken in, and again by the state machine.
            guard user.role == .admin else { throw StateError.model(.roleNotPermitted(user.role, "restore from backups")) }
            let selection: RestoreSelection
            switch first.selection {
            case .handle(let handle)?: selection = .handle(handle)
            case .label(let label)?: selection = .label(label)
            case nil: throw ServiceFailure.argumentsBad("name the object to restore: a handle or a label")
            }
            // The file is checked whole against this cluster's CA, and only then are its object records read.
            let path = try await Self.stage(first: first.data, rest: &chunks)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let ca = try ClusterCA.load(from: gate.state)
            var records: [ExportedRecord] = []
            do {
                try BackupReader.verify(path: path, trustedCA: ca.certificatePEM) { key, value in
                    if key.starts(with: Self.objectPrefix) { records.append(ExportedRecord(key: key, value: value)) }
                }
            } catch let error as BackupError {
                throw ServiceFailure.argumentsBad("not a valid backup of this cluster: \(error.description)")
            }
            let restored = try await gate.state.restoreObjects(from: records, selecting: selection, by: user)
            Self.logger.notice(
                "objects restored from a backup", metadata: ["handles": "\(restored.map(\.handle))", "by": "\(user.name)"])
            var response = Coffer_V1_RestoreObjectsResponse()
            response.handles = restored.map(\.handle)
            response.labels = restored.map(\.label)
            response.header = gate.responseHeader()
            return response
        }
    }

    func verifyBackup(
        request: RPCAsyncSequence<Coffer_V1_BackupFileChunk, any Error>, context: ServerContext
    ) async throws -> Coffer_V1_VerifyBackupResponse {
        var chunks = request.makeAsyncIterator()
        guard let first = try await chunks.next() else { throw ServiceFailure.argumentsBad("no request") }
        return try await gate.run(first.header, context) { caller in
            let user = try caller.requireUser()
            // Counts and store keys only: admins, who make backups, and auditors, who check them.
            guard user.role == .admin || user.role == .auditor else {
                throw StateError.model(.roleNotPermitted(user.role, "verify backups"))
            }
            let path = try await Self.stage(first: first.data, rest: &chunks)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let ca = try ClusterCA.load(from: gate.state)
            var response = Coffer_V1_VerifyBackupResponse()
            do {
                // Records are opened as they are read; the counts are answered only if the whole file
                // then proves to be this cluster's, signed and unchanged.
                let summary = try BackupReader.verify(path: path, trustedCA: ca.certificatePEM) { key, value in
                    switch try gate.state.checkBackupRecord(key: key, value: value) {
                    case .user: response.users += 1
                    case .object: response.objects += 1
                    case .system: response.systemRecords += 1
                    case .plain: response.plain += 1
                    case .unopened:
                        response.unopened += 1
                        if response.unopenedKeys.count < 20 { response.unopenedKeys.append(String(decoding: key, as: UTF8.self)) }
                    }
                }
                response.records = UInt64(summary.header.records)
            } catch let error as BackupError {
                throw ServiceFailure.argumentsBad("not a valid backup of this cluster: \(error.description)")
            }
            Self.logger.notice(
                "backup verified against the cluster",
                metadata: ["records": "\(response.records)", "unopened": "\(response.unopened)", "by": "\(user.name)"])
            response.header = gate.responseHeader()
            return response
        }
    }

    /// Writes a backup sent as chunks (`first`, then the rest) to a private temporary file (0600),
    /// up to `maxRestoreBytes`; returns its path, which the caller removes.
    static func stage<Chunks: AsyncIteratorProtocol>(first: Data, rest chunks: inout Chunks) async throws -> String
    where Chunks.Element: BackupBytes {
        let path = NSTemporaryDirectory() + "coffer-backup-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let file = FileHandle(forWritingAtPath: path)
        else { throw ServiceFailure(.deviceError, "cannot stage the backup") }
        defer { try? file.close() }
        do {
            var received = Int64(first.count)
            try file.write(contentsOf: first)
            while let chunk = try await chunks.next() {
                received += Int64(chunk.data.count)
                guard received <= maxRestoreBytes else {
                    throw ServiceFailure(.dataLenRange, "the backup is larger than \(maxRestoreBytes) bytes")
                }
                try file.write(contentsOf: chunk.data)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return path
    }

    /// The store keys of object records (RecordKey's layout, docs/state.md).
    static let objectPrefix = Array("coffer/v1/d/o/".utf8)
}

/// A message carrying the next bytes of a backup file.
protocol BackupBytes { var data: Data { get } }
extension Coffer_V1_RestoreObjectsChunk: BackupBytes {}
extension Coffer_V1_BackupFileChunk: BackupBytes {}
