// `coffer audit prove`'s output (docs/audit.md): one entry with its inclusion proof in the tree of a
// signed checkpoint, and optionally a consistency proof from a checkpoint the auditor kept to that
// one. Checked offline with the CA certificate, like an export.

import Crypto
import Foundation
import X509

/// An inclusion proof (RFC 9162 2.1.3) of one entry, and optionally a consistency proof (2.1.4).
public struct AuditProof: Codable, Sendable, Equatable {
    public static let currentFormat = "coffer-audit-proof/1"

    public var format = Self.currentFormat
    public var origin: String
    /// The entry's canonical line.
    public var entry: String
    /// The inclusion proof's hashes, base64.
    public var inclusion: [String]
    /// The signed checkpoint the proofs lead to.
    public var checkpoint: String
    /// The checkpoint this one is shown to extend, when one was given.
    public var kept: String?
    public var consistency: [String]?
    /// The signers' certificates (PEM).
    public var signers: [String]

    public init(
        origin: String, entry: String, inclusion: [MerkleTree.Hash], checkpoint: String, kept: String? = nil,
        consistency: [MerkleTree.Hash]? = nil, signers: [String]
    ) {
        self.origin = origin
        self.entry = entry
        self.inclusion = inclusion.map { Data($0).base64EncodedString() }
        self.checkpoint = checkpoint
        self.kept = kept
        self.consistency = consistency?.map { Data($0).base64EncodedString() }
        self.signers = signers
    }

    /// Checks the proof against the CA; returns the entry and the checkpoint it is in.
    public func verify(ca: Certificate, now: Date = Date()) async throws(AuditError) -> (AuditEntry, Checkpoint) {
        guard format == Self.currentFormat else { throw AuditError("not a \(Self.currentFormat) proof") }
        let verifiers = try await AuditSigners.verifiers(signers, ca: ca, now: now)
        let head = try AuditExport.open(checkpoint, verifiers: verifiers, origin: origin, place: "the proof's checkpoint")
        let parsed = try AuditEntry(line: Array(entry.utf8))
        guard let seq = parsed.seq else { throw AuditError("the entry has no number") }
        let path = try Self.hashes(inclusion)
        guard MerkleTree.verifyInclusion(
                index: seq, size: head.size, leafHash: MerkleTree.leafHash(Array(entry.utf8)), proof: path, root: head.root)
        else { throw AuditError("entry \(seq) is not in the tree of the checkpoint for \(head.size) entries") }
        if let kept {
            let old = try AuditExport.open(kept, verifiers: verifiers, origin: origin, place: "the kept checkpoint")
            guard let consistency, MerkleTree.verifyConsistency(
                    first: old.size, second: head.size, proof: try Self.hashes(consistency), firstRoot: old.root,
                    secondRoot: head.root)
            else {
                throw AuditError(
                    "the log of \(head.size) entries does not extend the kept checkpoint for \(old.size) entries: entries before it were changed")
            }
        }
        return (parsed, head)
    }

    private static func hashes(_ texts: [String]) throws(AuditError) -> [MerkleTree.Hash] {
        let hashes = texts.compactMap { Data(base64Encoded: $0).map(Array.init) }
        guard hashes.count == texts.count, hashes.allSatisfy({ $0.count == 32 }) else { throw AuditError("a proof hash is not 32 bytes of base64") }
        return hashes
    }
}
