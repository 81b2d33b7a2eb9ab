// Scheduled backups (docs/backup.md): every `interval`, one node of the cluster (the one whose claim
// on the run lands first in the store) makes a backup as `coffer backup create` would, writes it
// into `folder` under a temporary name and renames it into place only once it is whole and checked,
// then deletes the oldest past `retention`. Each outcome is logged, and the last one shows in
// `coffer cluster status`.

import CofferBackup
import CofferState
import Foundation
import Logging
import Synchronization

/// How often, where, and how many.
public struct BackupSchedule: Sendable, Equatable {
    public var interval: Duration
    public var folder: String
    public var retention: Int

    public init(interval: Duration, folder: String, retention: Int) {
        self.interval = interval
        self.folder = folder
        self.retention = retention
    }
}

/// The last scheduled backup this node made or tried.
public struct BackupOutcome: Sendable, Equatable {
    public var at: Date
    /// The file written, or nil when it failed.
    public var file: String?
    public var error: String?
}

/// Runs the schedule while the node is unsealed.
public final class BackupScheduler: Sendable {
    let schedule: BackupSchedule
    let nodeName: String
    let logger: Logger
    private let last = Mutex<BackupOutcome?>(nil)

    public init(schedule: BackupSchedule, nodeName: String, logger: Logger) {
        self.schedule = schedule
        self.nodeName = nodeName
        self.logger = logger
    }

    /// The last outcome on this node.
    public var lastOutcome: BackupOutcome? { last.withLock { $0 } }

    /// Runs until cancelled: at each whole interval since 1970 (so all nodes agree on the slot), tries
    /// to claim the run and, if this node won it, makes the backup.
    public func run(state: StateMachine, cluster: @escaping @Sendable () -> String, sign: @escaping @Sendable (BackupWriter) throws -> [UInt8], caPEM: @escaping @Sendable () throws -> String) async {
        let seconds = max(1, Int64(schedule.interval.components.seconds))
        while !Task.isCancelled {
            let now = Int64(Date().timeIntervalSince1970)
            let next = (now / seconds + 1) * seconds
            try? await Task.sleep(for: .seconds(Double(next) - Date().timeIntervalSince1970))
            if Task.isCancelled { return }
            let slot = next / seconds
            guard state.isUnsealed else { continue }
            do {
                guard try await state.claimScheduledRun(slot: slot, node: nodeName) else { continue }
                let file = try await makeBackup(state: state, cluster: cluster(), sign: sign, caPEM: try caPEM())
                last.withLock { $0 = BackupOutcome(at: Date(), file: file, error: nil) }
                logger.notice("scheduled backup written", metadata: ["file": "\(file)"])
                prune()
            } catch {
                last.withLock { $0 = BackupOutcome(at: Date(), file: nil, error: "\(error)") }
                logger.error("scheduled backup failed", metadata: ["error": "\(error)", "folder": "\(schedule.folder)"])
            }
        }
    }

    /// Writes one backup into the folder; returns its path.
    func makeBackup(state: StateMachine, cluster: String, sign: (BackupWriter) throws -> [UInt8], caPEM: String) async throws -> String {
        try FileManager.default.createDirectory(atPath: schedule.folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let name = "coffer-\(cluster)-\(stamp)"
        let temporary = schedule.folder + "/." + name + ".part"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: temporary)
        else { throw BackupError("cannot write into \(schedule.folder)") }
        var committed = false
        defer {
            try? handle.close()
            if !committed { try? FileManager.default.removeItem(atPath: temporary) }
        }
        var writer: BackupWriter?
        var revision: Int64 = 0
        _ = try await state.exportRecords(by: nil) { summary in
            revision = summary.revision
            let started = try BackupWriter(
                header: BackupHeader(cluster: cluster, revision: summary.revision, created: Date(), records: summary.records, caCertificate: caPEM))
            writer = started
            try handle.write(contentsOf: started.start)
        } _: { records in
            try handle.write(contentsOf: writer!.records(records.map { ($0.key, $0.value) }))
        }
        try handle.write(contentsOf: try sign(writer!))
        try handle.synchronize()
        try BackupReader.verify(path: temporary, trustedCA: caPEM)
        let final = schedule.folder + "/\(name)-r\(revision).coffer"
        try FileManager.default.moveItem(atPath: temporary, toPath: final)
        committed = true
        return final
    }

    /// Deletes the oldest of this folder's backups past the retention count, and the temporary files
    /// of runs that died (a node killed mid-backup) once they are an hour old.
    func prune() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: schedule.folder) else { return }
        for name in names where name.hasPrefix(".coffer-") && name.hasSuffix(".part") {
            let path = schedule.folder + "/" + name
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate]) as? Date
            if let modified, Date().timeIntervalSince(modified) > 3600 { try? FileManager.default.removeItem(atPath: path) }
        }
        let backups = names.filter { $0.hasPrefix("coffer-") && $0.hasSuffix(".coffer") }.sorted()
        for name in backups.dropLast(schedule.retention) {
            do {
                try FileManager.default.removeItem(atPath: schedule.folder + "/" + name)
                logger.info("old scheduled backup removed", metadata: ["file": "\(name)"])
            } catch {
                logger.warning("cannot remove an old backup", metadata: ["file": "\(name)", "error": "\(error)"])
            }
        }
    }
}
