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
            let summary = try await gate.state.exportRecords(by: user) { summary in
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
            var last = Coffer_V1_BackupChunk()
            last.data = Data(pending + (try writer!.finish { try ca.sign(digest: $0) }))
            try await response.write(last)
            Self.logger.notice(
                "backup made", metadata: ["revision": "\(summary.revision)", "records": "\(summary.records)", "by": "\(user.name)"])
        }
    }
}
