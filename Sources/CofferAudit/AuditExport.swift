// The export an auditor takes away (`coffer audit export`, docs/audit.md) and its offline check
// (`coffer audit verify`). JSON lines: a header (format, origin, first entry, and the frontier of
// the tree before it), the signers' certificates, then the entries as the log holds them, each
// block of entries followed by the checkpoint the node signed for it. The verifier rebuilds the tree
// from the header's frontier and the entries and checks every checkpoint's signature and root, so an
// entry removed, edited, added or moved changes a root that a node signed; a cut-off end is caught
// against a checkpoint the auditor kept from before.

import Crypto
import Foundation
import X509

/// The export file.
public enum AuditExport {
    public static let format = "coffer-audit-export/1"

    /// The header line.
    public static func header(origin: String, frontier: MerkleFrontier) -> [UInt8] {
        line([
            "format": format, "origin": origin, "from": frontier.size,
            "prefix": frontier.hashes.map { Data($0).base64EncodedString() },
        ])
    }

    /// A signer certificate's line.
    public static func signerLine(_ pem: String) -> [UInt8] { line(["signer": pem]) }

    /// A checkpoint's line.
    public static func checkpointLine(_ note: String) -> [UInt8] { line(["checkpoint": note]) }

    private static func line(_ object: [String: Any]) -> [UInt8] {
        (try? Array(JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))) ?? []
    }

    /// What a successful check established.
    public struct Report: Sendable, Equatable {
        public var origin: String
        /// The entries checked: `from` ..< `to`.
        public var from: UInt64
        public var to: UInt64
        public var checkpoints: Int
        /// The nodes whose signatures were checked.
        public var signers: [String]
        /// The sizes of the kept checkpoints that matched.
        public var keptMatched: [UInt64]
    }

    /// Checks an export against the cluster CA and, optionally, checkpoints (signed notes) kept from
    /// before. Throws naming the first line that fails. `each` sees every entry as it is read, with
    /// its line; none of them is verified until the whole export is (this returns).
    public static func verify(
        _ data: [UInt8], ca: Certificate, kept: [String] = [], now: Date = Date(),
        each: (AuditEntry, ArraySlice<UInt8>) -> Void = { _, _ in }
    ) async throws(AuditError) -> Report {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first, let header = object(first), header["format"] as? String == format,
            let origin = header["origin"] as? String, let from = (header["from"] as? NSNumber)?.uint64Value,
            let prefix = header["prefix"] as? [String]
        else { throw AuditError("line 1: not a \(format) header") }
        let prefixHashes = prefix.compactMap { Data(base64Encoded: $0).map(Array.init) }
        guard prefixHashes.count == prefix.count else { throw AuditError("line 1: the prefix is not base64") }
        var frontier = try MerkleFrontier(size: from, hashes: prefixHashes)

        // Signers first: every checkpoint must be signed by one of them.
        var certificates: [String] = []
        var index = 1
        while index < lines.count, let signer = object(lines[index])?["signer"] as? String {
            certificates.append(signer)
            index += 1
        }
        let verifiers = try await AuditSigners.verifiers(certificates, ca: ca, now: now)
        guard !verifiers.isEmpty else { throw AuditError("the export names no signer") }

        // Kept checkpoints, by size.
        var keptRoots: [UInt64: MerkleTree.Hash] = [:]
        for (number, note) in kept.enumerated() {
            let checkpoint = try open(note, verifiers: verifiers, origin: origin, place: "kept checkpoint \(number + 1)")
            keptRoots[checkpoint.size] = checkpoint.root
        }
        var keptMatched: [UInt64] = []
        var signedBy = Set<String>()
        var checkpoints = 0
        var lastCheckpoint: UInt64? = nil
        if let root = keptRoots[from], frontier.root != root {
            throw AuditError("line 1: the tree before the first entry does not match the kept checkpoint for size \(from)")
        }
        for number in index..<lines.count {
            let place = "line \(number + 1)"
            let bytes = lines[number]
            if let note = object(bytes)?["checkpoint"] as? String {
                let checkpoint = try open(note, verifiers: verifiers, origin: origin, place: place)
                guard checkpoint.size == frontier.size else {
                    throw AuditError(
                        "\(place): a checkpoint for \(checkpoint.size) entries where the export has \(frontier.size) (entries removed or added before it)")
                }
                guard checkpoint.root == frontier.root else {
                    throw AuditError(
                        "\(place): the checkpoint for \(checkpoint.size) entries does not match the entries before it (an entry since the previous checkpoint was edited, removed or moved)")
                }
                for signer in (try? SignedNote.open(note, verifiers: verifiers).signedBy) ?? [] { signedBy.insert(signer) }
                checkpoints += 1
                lastCheckpoint = checkpoint.size
                continue
            }
            let entry: AuditEntry
            do { entry = try AuditEntry(line: bytes) } catch { throw AuditError("\(place): \(error.description)") }
            guard entry.seq == frontier.size else {
                throw AuditError(
                    "\(place): entry \(entry.seq.map(String.init) ?? "without a number") where entry \(frontier.size) was due (an entry removed or moved)")
            }
            frontier.append(leafHash: MerkleTree.leafHash(bytes))
            each(entry, bytes)
            if let root = keptRoots[frontier.size] {
                guard root == frontier.root else {
                    throw AuditError("\(place): the entries up to \(frontier.size) do not match the kept checkpoint for that size")
                }
                keptMatched.append(frontier.size)
            }
        }
        guard let lastCheckpoint else { throw AuditError("the export holds no checkpoint") }
        guard lastCheckpoint == frontier.size else {
            throw AuditError("entries \(lastCheckpoint) to \(frontier.size - 1) follow the last checkpoint: no node signed them")
        }
        if let beyond = keptRoots.keys.filter({ $0 > frontier.size }).max() {
            throw AuditError(
                "the export ends after \(frontier.size) entries, but a kept checkpoint is for \(beyond): entries were cut off")
        }
        return Report(
            origin: origin, from: from, to: frontier.size, checkpoints: checkpoints, signers: signedBy.sorted(),
            keptMatched: keptMatched)
    }

    /// A signed checkpoint of `origin`, opened with the signers' keys.
    static func open(_ note: String, verifiers: [NoteVerifier], origin: String, place: String) throws(AuditError) -> Checkpoint {
        let text: String
        do { text = try SignedNote.open(note, verifiers: verifiers).text } catch {
            throw AuditError("\(place): the checkpoint is not signed by a node the CA vouches for (\(error.description))")
        }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: text) } catch { throw AuditError("\(place): \(error.description)") }
        guard checkpoint.origin == origin else { throw AuditError("\(place): a checkpoint of another log (\(checkpoint.origin))") }
        return checkpoint
    }

    private static func object(_ bytes: some Collection<UInt8>) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }
}
