// A quorum token (issue 14, docs/quorum.md): one exact operation, as the canonical encoding of its
// command, that a requester asked to run, the approvals distinct approvers signed for it, and when it
// expires or was used. Approvers sign `signedText`, which names the token, the service, the command's
// encoding and the expiry, so an approval counts for that operation and no other.

import CofferAudit
import CofferModel
import Crypto
import Foundation

/// A request for approvals, kept as a sealed system record.
public struct QuorumToken: Codable, Sendable, Equatable {
    public static let format = "coffer-quorum-token/1"
    /// How long a token is valid when the requester does not say: 10 minutes, as AWS CloudHSM's.
    public static let defaultValidity: Duration = .seconds(600)
    /// The longest validity a requester may ask for: a day.
    public static let longestValidity: Duration = .seconds(86_400)

    public var id: String
    public var cluster: String
    public var service: GuardedService
    /// The operation as the requester wrote it (`create-user name=bob role=crypto-user`).
    public var operation: String
    /// The command's canonical encoding, base64.
    public var command: String
    public var requester: String
    public var createdAt: Date
    public var expiresAt: Date
    public var approvals: [QuorumApproval]
    public var usedAt: Date?

    /// What an approver signs: every field that decides what the approval allows.
    public var signedText: String {
        [
            Self.format, cluster, id, service.rawValue, operation, command, requester,
            String(Int64(expiresAt.timeIntervalSince1970)),
        ].joined(separator: "\n") + "\n"
    }
}

/// One approver's signature over a token's `signedText`.
public struct QuorumApproval: Codable, Sendable, Equatable {
    public var approver: String
    public var approverID: UInt64
    /// ECDSA P-256 over SHA-256 of the signed text, DER, base64.
    public var signature: String
    public var at: Date

    public init(approver: String, approverID: UInt64, signature: String, at: Date) {
        self.approver = approver
        self.approverID = approverID
        self.signature = signature
        self.at = at
    }
}

/// A user's registered approval key: the public half of a P-256 key the user keeps.
public struct ApprovalKey: Codable, Sendable, Equatable {
    public var userID: UInt64
    public var user: String
    /// The SubjectPublicKeyInfo, DER, base64.
    public var publicKey: String
    public var registeredAt: Date

    /// The key, or nil when the record holds no P-256 key.
    public var key: P256.Signing.PublicKey? {
        Data(base64Encoded: publicKey).flatMap { try? P256.Signing.PublicKey(derRepresentation: $0) }
    }

    /// Whether `signature` (DER, base64) is this key's over `text`.
    public func verifies(_ signature: String, over text: String) -> Bool {
        guard let key, let der = Data(base64Encoded: signature),
            let parsed = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else { return false }
        return key.isValidSignature(parsed, for: Data(text.utf8))
    }
}

/// The quorum each guarded service needs (absent: none).
public struct QuorumPolicy: Codable, Sendable, Equatable {
    public var required: [String: Int] = [:]

    public init() {}

    public func approvals(for service: GuardedService) -> Int { required[service.rawValue] ?? 0 }
}

/// The quorum token the request being served presents (the request header's `quorum_token`).
public enum QuorumContext {
    @TaskLocal public static var token: String?
    /// The operation the call's token approved, once consumed (`StateMachine.consumeApproval`): a
    /// key's use, a key's export or import, a backup.
    @TaskLocal public static var approvedCommand: Command?
    /// The SHA-256 of a single-part call's data, set when the call carries a token, so that a
    /// key-usage token naming data (`use-key ... sha256=HEX`) approves it only for that data.
    @TaskLocal public static var dataSHA256: [UInt8]?
}

/// A key's key-usage quorum: the approvals each use of the key needs, and how many approved uses it
/// has had. A sealed system record per key (`quorum/usage/<handle>`).
public struct KeyQuorum: Codable, Sendable, Equatable {
    public var handle: UInt64
    public var approvals: Int
    public var uses: UInt64

    public init(handle: UInt64, approvals: Int, uses: UInt64) {
        self.handle = handle
        self.approvals = approvals
        self.uses = uses
    }
}

