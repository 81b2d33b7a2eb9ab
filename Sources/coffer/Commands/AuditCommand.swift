// `coffer audit tail|export|verify|prove|checkpoint`: the audit log for auditors (docs/audit.md).
// Reading needs an auditor's login; `verify` runs offline with only the cluster's CA certificate.

import ArgumentParser
import CofferAudit
import CofferClient
import CofferProtocol
import Foundation
import X509

/// `coffer audit`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read, export, prove and verify the audit log.",
        discussion: """
            Every operation a node serves is an entry: management commands (written in the same \
            transaction as their change), crypto calls, logins and every refused call, with the user, the \
            object, the mechanism, the result and its CKR code, and the client certificate. Entries form an \
            RFC 9162 Merkle tree whose checkpoints the nodes sign. Reading needs an auditor's login, or \
            an admin's or crypto-user's whom an admin granted it (`coffer audit grant`); `verify` needs \
            nothing but the cluster's CA certificate. See docs/audit.md.
            """,
        subcommands: [
            Tail.self, Export.self, Verify.self, Prove.self, Checkpoint.self, Archive.self, Grant.self, Revoke.self, Readers.self,
        ])

    /// `coffer audit grant`.
    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let an admin or crypto-user read the audit log (admins).",
            discussion: """
                Auditors read the log by their role; anyone else only once an admin grants it. The grant \
                lets the user tail, export and prove, not archive. It is an entry in the log itself, and a \
                user-management quorum guards it (`set-audit-reader name=N granted=true`).
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "The admin or crypto-user.") var user: String

        func run() async throws {
            let readers = try await Connection.with(options) { try await $0.setAuditReader(user, granted: true) }
            try Output.emit(options, json: ["readers": readers], human: "\(user) may read the audit log; granted: \(readers.joined(separator: ", "))")
        }
    }

    /// `coffer audit revoke`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take back a user's grant to read the audit log (admins).",
            discussion: "Guarded by a user-management quorum as the grant is (`set-audit-reader name=N granted=false`).")

        @OptionGroup var options: CommonOptions
        @Option(help: "The admin or crypto-user.") var user: String

        func run() async throws {
            let readers = try await Connection.with(options) { try await $0.setAuditReader(user, granted: false) }
            try Output.emit(
                options, json: ["readers": readers],
                human: "\(user) may no longer read the audit log; granted: \(readers.isEmpty ? "nobody" : readers.joined(separator: ", "))")
        }
    }

    /// `coffer audit readers`.
    struct Readers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the users granted the right to read the audit log (admins and auditors).")

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let readers = try await Connection.with(options) { try await $0.auditReaders() }
            try Output.emit(
                options, json: ["readers": readers], human: readers.isEmpty ? "nobody besides the auditors" : readers.joined(separator: "\n"))
        }
    }

    /// A stretch of the log read through the API, checked against nothing yet.
    struct Read {
        var origin = ""
        var size: UInt64 = 0
        var frontier = MerkleFrontier()
        var blocks: [Coffer_V1_AuditBlock] = []
        var signers: [String] = []

        /// The last entry's number plus one.
        var end: UInt64 { frontier.size + UInt64(blocks.reduce(0) { $0 + $1.entries.count }) }
    }

    /// Reads whole blocks from the one holding `from` until one ends at or past `to` (the log's end when nil).
    static func read(_ client: CofferClient, from: UInt64, to: UInt64?) async throws -> Read {
        let first = try await client.readAudit(from: from)
        var read = Read(origin: first.origin, size: first.size, blocks: first.blocks, signers: first.signers)
        read.frontier = try MerkleFrontier(size: first.first, hashes: first.frontier.map { Array($0) })
        while read.end < min(to ?? read.size, read.size), !read.blocks.isEmpty {
            let next = try await client.readAudit(from: read.end)
            guard !next.blocks.isEmpty else { break }
            read.blocks += next.blocks
            read.size = next.size
        }
        return read
    }

    /// An export file (AuditExport's format) of `blocks`, which follow `read.frontier`.
    static func exportFile(_ read: Read, blocks: [Coffer_V1_AuditBlock]) -> [UInt8] {
        var file = AuditExport.header(origin: read.origin, frontier: read.frontier) + [0x0A]
        for signer in read.signers { file += AuditExport.signerLine(signer) + [0x0A] }
        for block in blocks {
            for entry in block.entries { file += Array(entry) + [0x0A] }
            file += AuditExport.checkpointLine(block.checkpoint) + [0x0A]
        }
        return file
    }

    /// The CA certificate of the profile, for checking what a node sent.
    static func profileCA(_ options: CommonOptions) throws -> Certificate {
        let configuration = try ClientConfiguration.load(profileAt: ConfigDirectory.profilePath(options.profile))
        return try Certificate(pemEncoded: configuration.caCertificatePEM)
    }

    static func readCA(_ path: String) throws -> Certificate {
        do { return try Certificate(pemEncoded: String(decoding: try SecretFile.read(path), as: UTF8.self)) } catch {
            throw CLIError("--ca \(path) is not a PEM certificate")
        }
    }

    static func readCheckpoints(_ paths: [String]) throws -> [String] {
        try paths.map { String(decoding: try SecretFile.read($0), as: UTF8.self) }
    }

    /// One entry as a line for people.
    static func human(_ entry: AuditEntry) -> String {
        var parts = [String(entry.seq ?? 0), entry.time, entry.node, entry.user.isEmpty ? "-" : entry.user, entry.operation]
        if let handle = entry.handle { parts.append("object \(handle)" + (entry.label.map { " (\($0))" } ?? "")) }
        if let target = entry.target { parts.append("target \(target)") }
        if let mechanism = entry.mechanism { parts.append(MechanismNames.name(of: mechanism)) }
        parts.append(entry.ckr == 0 ? "ok" : "failed " + ReturnCodeNames.name(of: UInt(entry.ckr)))
        if let certificate = entry.certificate { parts.append("cert " + certificate.prefix(16)) }
        return parts.joined(separator: "  ")
    }

    /// `coffer audit tail`.
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the newest entries of the audit log.",
            discussion: """
                Looks at the newest --count entries (or those from --from on) and shows the ones that match \
                every filter given. With --follow, goes on showing new entries as they are numbered (within \
                a second of the call, give or take the 100 ms a node batches crypto entries). --json prints \
                each entry's canonical line, as the log holds it.
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "How many of the newest entries to look at.") var count: UInt64 = 20
        @Option(help: "Look at the entries from this number on instead.") var from: UInt64?
        @Flag(help: "Keep showing new entries until interrupted.") var follow = false
        @OptionGroup var filter: AuditFilter

        func run() async throws {
            try await Connection.with(options) { client in
                var next: UInt64
                if let from {
                    next = from
                } else {
                    let size = try await client.readAudit(from: .max).size
                    next = size > count ? size - count : 0
                }
                repeat {
                    let read = try await AuditCommand.read(client, from: next, to: nil)
                    for line in read.blocks.flatMap(\.entries) {
                        let entry = try AuditEntry(line: Array(line))
                        guard let seq = entry.seq, seq >= next, filter.matches(entry) else { continue }
                        // Written at once rather than buffered, so that --follow shows each entry as it comes.
                        let text = options.json ? String(decoding: line, as: UTF8.self) : AuditCommand.human(entry)
                        FileHandle.standardOutput.write(Data((text + "\n").utf8))
                    }
                    next = max(next, read.end)
                    if follow { try await Task.sleep(for: .seconds(1)) }
                } while follow
            }
        }
    }

    /// `coffer audit export`.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the audit log with its checkpoints, for offline verification.",
            discussion: """
                Writes JSON lines to --out: a header with the tree before the first entry, the CA's \
                certificates for the nodes' checkpoint keys, then the entries, each block followed by the \
                checkpoint a node signed for it. Whole blocks are exported, so the file may begin before \
                --from and end after --to. The export is checked against the profile's CA once written, and \
                the command fails if it does not verify (the file is kept as evidence); `coffer audit \
                verify` checks it again anywhere.
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "The first entry wanted.") var from: UInt64 = 0
        @Option(help: "The entry after the last one wanted (default: the log's end).") var to: UInt64?
        @Option(help: "The file to write.") var out: String

        func run() async throws {
            let read = try await Connection.with(options) { try await AuditCommand.read($0, from: from, to: to) }
            guard !read.blocks.isEmpty else { throw CLIError("the log has no entries from \(from) on (it holds \(read.size))") }
            let file = AuditCommand.exportFile(read, blocks: read.blocks)
            // Written whatever the check finds: an export that fails it is evidence to keep.
            try SecretFile.write(Data(file), to: out)
            let report: AuditExport.Report
            do { report = try await AuditExport.verify(file, ca: try AuditCommand.profileCA(options)) } catch {
                throw CLIError("written to \(out), but it does not verify against the profile's CA: \(error)")
            }
            try Output.emit(
                options,
                json: ["file": out, "from": report.from, "to": report.to, "checkpoints": report.checkpoints, "signers": report.signers],
                human: "exported entries \(report.from) to \(report.to - 1) with \(report.checkpoints) checkpoints to \(out)")
        }
    }

    /// `coffer audit verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an audit export or proof offline.",
            discussion: """
                For an export: every signer certificate chains to --ca, every checkpoint is signed by one of \
                them and matches the tree of the entries before it, the entries are numbered without a gap, \
                and the file ends with a checkpoint. Checkpoints kept from before (--checkpoint, from `coffer \
                audit checkpoint`) must match the entries, and one for more entries than the export holds \
                means entries were cut off. For a proof (`coffer audit prove`): its inclusion and \
                consistency proofs and its checkpoint's signature. Exits 1 naming the first failing place. \
                With --user, --operation, --object or --result, a valid export's entries that match every \
                filter given are shown too (as their canonical lines under "entries" with --json).
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "The export or proof file.") var file: String
        @Option(help: "The cluster's CA certificate (PEM).") var ca: String
        @Option(name: .customLong("checkpoint"), help: "A signed checkpoint kept from before (repeatable).")
        var checkpoints: [String] = []
        @OptionGroup(title: "Showing entries of a valid export") var filter: AuditFilter

        func run() async throws {
            let data = try SecretFile.read(file)
            let ca = try AuditCommand.readCA(ca)
            if let proof = try? JSONDecoder().decode(AuditProof.self, from: data), proof.format == AuditProof.currentFormat {
                guard !filter.isGiven else { throw CLIError("--user, --operation, --object and --result show an export's entries; \(file) is a proof") }
                let (entry, checkpoint): (AuditEntry, CofferAudit.Checkpoint)
                do { (entry, checkpoint) = try await proof.verify(ca: ca) } catch {
                    throw CLIError("the proof is not valid: \(error)")
                }
                try Output.emit(
                    options, json: ["valid": true, "entry": entry.seq ?? 0, "size": checkpoint.size],
                    human: "valid: entry \(entry.seq ?? 0) is in the log of \(checkpoint.size) entries"
                        + (proof.kept == nil ? "" : ", which extends the kept checkpoint"))
                return
            }
            let report: AuditExport.Report
            // With a filter, the entries that match, shown once the whole export verified.
            var matching: [(entry: AuditEntry, line: ArraySlice<UInt8>)] = []
            do {
                report = try await AuditExport.verify(Array(data), ca: ca, kept: try AuditCommand.readCheckpoints(checkpoints)) {
                    if filter.isGiven, filter.matches($0) { matching.append(($0, $1)) }
                }
            } catch {
                throw CLIError("the export is not valid: \(error)")
            }
            var json: [String: Any] = [
                "valid": true, "origin": report.origin, "from": report.from, "to": report.to, "checkpoints": report.checkpoints,
                "signers": report.signers, "kept_matched": report.keptMatched,
            ]
            if filter.isGiven {
                json["entries"] = matching.compactMap { try? JSONSerialization.jsonObject(with: Data($0.line)) }
            }
            try Output.emit(
                options, json: json,
                human: "valid: entries \(report.from) to \(report.to - 1), \(report.checkpoints) checkpoints signed by "
                    + report.signers.joined(separator: ", ")
                    + (report.keptMatched.isEmpty ? "" : "; kept checkpoints matched at \(report.keptMatched.map(String.init).joined(separator: ", "))")
                    + (filter.isGiven
                        ? "\n\(matching.count) matching \(matching.count == 1 ? "entry" : "entries")"
                            + matching.map { "\n" + AuditCommand.human($0.entry) }.joined()
                        : ""))
        }
    }

    /// `coffer audit prove`.
    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that an entry is in the log.",
            discussion: """
                Writes the entry, its RFC 9162 inclusion proof in the tree of the newest checkpoint and that \
                checkpoint, and with --checkpoint a consistency proof that the log extends a checkpoint kept \
                from before (nothing before it changed). Checked against the profile's CA before it is \
                written; `coffer audit verify FILE --ca ca.pem` checks it anywhere.
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "The entry's number.") var entry: UInt64
        @Option(name: .customLong("checkpoint"), help: "A signed checkpoint kept from before.") var kept: String?
        @Option(help: "Where to write the proof (default: standard output).") var out: String?

        func run() async throws {
            let read = try await Connection.with(options) { try await AuditCommand.read($0, from: 0, to: nil) }
            guard read.frontier.size == 0 else { throw CLIError("the log starts at entry \(read.frontier.size) (archived before)") }
            guard let last = read.blocks.last else { throw CLIError("the log is empty") }
            let lines = read.blocks.flatMap(\.entries)
            guard entry < UInt64(lines.count) else { throw CLIError("the log holds entries 0 to \(lines.count - 1)") }
            let leaves = lines.map { MerkleTree.leafHash(Array($0)) }
            var keptNote: String?
            var consistency: [MerkleTree.Hash]?
            if let kept {
                let note = try AuditCommand.readCheckpoints([kept])[0]
                guard let size = Self.size(of: note), size <= UInt64(leaves.count) else {
                    throw CLIError("\(kept) is not a checkpoint of at most \(leaves.count) entries")
                }
                keptNote = note
                consistency = MerkleTree.consistencyProof(first: Int(size), leaves) ?? []
            }
            let proof = AuditProof(
                origin: read.origin, entry: String(decoding: lines[Int(entry)], as: UTF8.self),
                inclusion: MerkleTree.inclusionProof(index: Int(entry), leaves) ?? [], checkpoint: last.checkpoint,
                kept: keptNote, consistency: consistency, signers: read.signers)
            do { _ = try await proof.verify(ca: try AuditCommand.profileCA(options)) } catch {
                throw CLIError("the proof does not verify against the profile's CA: \(error)")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let data = try encoder.encode(proof)
            if let out {
                try SecretFile.write(data, to: out)
                try Output.emit(options, json: ["file": out, "entry": entry, "size": leaves.count], human: "proof of entry \(entry) in the log of \(leaves.count) entries written to \(out)")
            } else {
                print(String(decoding: data, as: UTF8.self))
            }
        }

        /// The tree size a checkpoint note names (its second line).
        static func size(of note: String) -> UInt64? {
            let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count > 1 ? UInt64(lines[1]) : nil
        }
    }

    /// `coffer audit archive`.
    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move the oldest entries out of the store into an export file.",
            discussion: """
                Exports the whole blocks that end at or before entry --before (from the log's first \
                entry), checks the file against the profile's CA, writes it to --out, and only then asks \
                the cluster to remove those blocks. The checkpoint where they end stays in the store, so \
                later exports start from its tree and verify as before; the archive verifies on its own \
                with `coffer audit verify`. Keep it: the entries are nowhere else. The archiving is itself \
                an entry.
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "Archive the entries before this one (rounded down to the end of a block).") var before: UInt64
        @Option(help: "The archive file to write.") var out: String

        func run() async throws {
            try await Connection.with(options) { client in
                let read = try await AuditCommand.read(client, from: 0, to: before)
                var end = read.frontier.size
                var blocks: [Coffer_V1_AuditBlock] = []
                for block in read.blocks {
                    guard end + UInt64(block.entries.count) <= before else { break }
                    blocks.append(block)
                    end += UInt64(block.entries.count)
                }
                guard !blocks.isEmpty else {
                    throw CLIError("no block of the log (from entry \(read.frontier.size)) ends at or before entry \(before)")
                }
                let file = AuditCommand.exportFile(read, blocks: blocks)
                do { _ = try await AuditExport.verify(file, ca: try AuditCommand.profileCA(options)) } catch {
                    throw CLIError("the entries do not verify against the profile's CA; nothing archived: \(error)")
                }
                try SecretFile.write(Data(file), to: out)
                let removed = try await client.archiveAudit(before: end)
                try Output.emit(
                    options, json: ["file": out, "from": read.frontier.size, "to": end, "removed": removed],
                    human: "archived entries \(read.frontier.size) to \(end - 1) to \(out); the log now starts at entry \(end)")
            }
        }
    }

    /// `coffer audit checkpoint`.
    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save the newest signed checkpoint, to keep outside the cluster.",
            discussion: """
                A checkpoint kept where the cluster's operators cannot reach it is what catches a log cut \
                short or rewritten later: pass it to `coffer audit verify --checkpoint` or `coffer audit \
                prove --checkpoint`.
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "Where to write the checkpoint.") var out: String

        func run() async throws {
            let read = try await Connection.with(options) { client in
                let size = try await client.readAudit(from: .max).size
                guard size > 0 else { throw CLIError("the log is empty") }
                return try await AuditCommand.read(client, from: size - 1, to: nil)
            }
            guard let note = read.blocks.last?.checkpoint else { throw CLIError("the log is empty") }
            let verifiers = try await AuditSigners.verifiers(read.signers, ca: try AuditCommand.profileCA(options))
            let opened: (text: String, signedBy: [String])
            do { opened = try SignedNote.open(note, verifiers: verifiers) } catch {
                throw CLIError("the node's checkpoint is not signed by a node of the profile's CA: \(error)")
            }
            try SecretFile.write(Data(note.utf8), to: out)
            let size = Prove.size(of: opened.text) ?? 0
            try Output.emit(
                options, json: ["file": out, "size": size, "signed_by": opened.signedBy],
                human: "checkpoint for \(size) entries, signed by \(opened.signedBy.joined(separator: ", ")), written to \(out)")
        }
    }
}

/// The filters of `coffer audit tail` and `coffer audit verify`: an entry matches when it matches every one given.
struct AuditFilter: ParsableArguments {
    @Option(help: "Only entries of this user (or, for logins, this tried name).") var user: String?
    @Option(help: "Only this operation, such as sign, login, create-user.") var operation: String?
    @Option(help: "Only entries about this object: a handle or a label.") var object: String?
    @Option(help: "Only ok or failed entries.") var result: String?

    func validate() throws {
        if let result, ![AuditEntry.ok, AuditEntry.failed].contains(result) { throw ValidationError("--result is ok or failed") }
    }

    /// Whether any filter was given.
    var isGiven: Bool { user != nil || operation != nil || object != nil || result != nil }

    func matches(_ entry: AuditEntry) -> Bool {
        if let user, entry.user != user { return false }
        if let operation, entry.operation != operation { return false }
        if let result, entry.result != result { return false }
        if let object {
            let handle = UInt64(object).map { entry.handle == $0 } ?? false
            guard handle || entry.label == object else { return false }
        }
        return true
    }
}
