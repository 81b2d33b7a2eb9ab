// `coffer backup create|verify`: a signed snapshot of the whole state, and its offline check
// (docs/backup.md).

import ArgumentParser
import CofferBackup
import CofferClient
import CofferProtocol
import Foundation
import Glibc
import Synchronization

/// The backup command group.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Make and check backups of the whole cluster.",
        discussion: """
            A backup holds every record at one store revision, still sealed under the domain key (nothing \
            in it is readable without the cluster's unseal shares), and is signed by the cluster CA. \
            `cofferd --restore FILE` restores one into a new node (docs/backup.md).
            """,
        subcommands: [Create.self, Verify.self, RestoreKey.self])
}

extension BackupCommand {
    /// `coffer backup create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a backup through a node (admins), while it goes on serving.",
            discussion: "The file appears under --out only once it is whole; a failure leaves nothing there.")

        @OptionGroup var options: CommonOptions
        @Option(help: "Where to write the backup.") var out: String

        func run() async throws {
            let sink = try StreamedOutput(path: out)
            // Records sealed under the domain key, but still the whole state: owner-only.
            guard chmod(sink.temporaryPath, 0o600) == 0 else { throw CLIError("cannot write \(out)") }
            let header = Mutex<(revision: Int64, records: UInt64)>((0, 0))
            let shown = isatty(STDERR_FILENO) == 1 && !options.json
            let output = UnsafeTransfer(sink)
            try await Connection.with(options) { client in
                try await client.createBackup { chunk in
                    if chunk.revision != 0 { header.withLock { $0 = (chunk.revision, chunk.records) } }
                    try output.value.write(chunk.data)
                    if shown {
                        let line = String(format: "\rcoffer: %d records, %.1f MiB", header.withLock { $0.records }, Double(output.value.written) / 1_048_576)
                        FileHandle.standardError.write(Data(line.utf8))
                    }
                }
            }
            if shown { FileHandle.standardError.write(Data("\n".utf8)) }
            // Checked before it takes the final name: a node that sent a broken file makes no backup.
            let temporary = sink.temporaryPath
            let summary = try BackupReader.verify(path: temporary)
            try sink.commit()
            let made = header.withLock { $0 }
            try Output.emit(
                options,
                json: [
                    "out": out, "bytes": sink.written, "revision": made.revision, "records": summary.header.records,
                    "cluster": summary.header.cluster,
                ],
                human: "wrote \(out): \(summary.header.records) records at revision \(made.revision) of cluster \"\(summary.header.cluster)\", \(sink.written) bytes, signed by its CA")
        }
    }

    /// `coffer backup verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a backup offline: its structure, every record, and the CA's signature over all of it.",
            discussion: """
                With --ca (or a profile whose CA certificate can be read), the backup must also be signed by \
                that CA; otherwise only by the CA its header names. Needs no node. The records stay sealed: \
                offline, their framing and the signature are checked, not their contents.

                With --open-records (admins and auditors, logged in), the file is also sent to a node of the \
                live, unsealed cluster it came from, which checks it against its CA and opens every sealed \
                record (users, token objects, system records) under the domain key as a node loading them \
                would, keeping nothing. Any record that does not open fails the command.
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "The backup file.") var file: String
        @Option(help: "The CA certificate (PEM) the backup must be signed by (default: the profile's).") var ca: String?
        @Flag(help: "Also have the live cluster open every sealed record under its domain key (admins and auditors).")
        var openRecords = false

        func run() async throws {
            var trusted: String?
            if let ca {
                guard let text = try? String(contentsOfFile: ca, encoding: .utf8) else { throw CLIError("cannot read \(ca)") }
                trusted = text
            } else if let profile = try? ClientConfiguration.load(profileAt: ConfigDirectory.profilePath(options.profile)) {
                trusted = profile.caCertificatePEM
            }
            let summary: BackupSummary
            do { summary = try BackupReader.verify(path: file, trustedCA: trusted) } catch let error as BackupError {
                throw CLIError("\(file) is not a valid backup: \(error.description)")
            }
            let kinds = summary.kinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            var json: [String: Any] = [
                "valid": true, "cluster": summary.header.cluster, "revision": summary.header.revision,
                "created": summary.header.created, "records": summary.header.records, "kinds": summary.kinds,
                "bytes": summary.bytes, "ca_checked": trusted != nil,
            ]
            var human = """
                valid: cluster "\(summary.header.cluster)", revision \(summary.header.revision), made \(summary.header.created)
                \(summary.header.records) records (\(kinds)), \(summary.bytes) bytes
                signed by \(trusted != nil ? "the trusted cluster CA" : "the CA its header names (no trusted CA given: use --ca)")
                """
            if openRecords {
                let opened = try await Connection.with(options) { client in try await client.verifyBackup(file) }
                guard opened.unopened == 0 else {
                    throw CLIError(
                        "\(file): \(opened.unopened) sealed records do not open under the cluster's domain key "
                            + "(first: \(opened.unopenedKeys.joined(separator: ", ")))")
                }
                json["opened"] = [
                    "users": opened.users, "objects": opened.objects, "system": opened.systemRecords, "plain": opened.plain,
                ]
                human += "\nopened by the cluster: \(opened.users) users, \(opened.objects) objects, "
                    + "\(opened.systemRecords) system records (\(opened.plain) kept in the clear)"
            }
            try Output.emit(options, json: json, human: human)
        }
    }
}

extension BackupCommand {
    /// `coffer backup restore-key`.
    struct RestoreKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore-key",
            abstract: "Put back destroyed keys (or other token objects) from a backup of this cluster (admins).",
            discussion: """
                The node checks the backup whole against its own cluster CA, opens its records with the domain \
                key, and puts back the objects the handle or label names that no longer exist, with their old \
                handles, owners and attributes. An object that still exists is refused.
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "The backup file.") var file: String
        @Option(help: "The label of the objects to put back.") var label: String?
        @Option(help: "The handle of the object to put back.") var handle: UInt64?

        func validate() throws {
            guard (label == nil) != (handle == nil) else { throw ValidationError("give --label or --handle (one of them)") }
        }

        func run() async throws {
            let restored = try await Connection.with(options) { client in
                try await client.restoreObjects(fromBackup: file, handle: handle, label: label)
            }
            try Output.emit(
                options, json: ["restored": restored.map { ["handle": $0.handle, "label": $0.label] as [String: Any] }],
                human: restored.map { "restored \($0.handle) \"\($0.label)\"" }.joined(separator: "\n"))
        }
    }
}

/// Hands a non-Sendable value to a closure that is known to run one call at a time.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
