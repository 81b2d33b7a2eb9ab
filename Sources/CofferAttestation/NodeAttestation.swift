// A node's attestation (issue 11): a statement of what the node is and runs, for a verifier's nonce,
// signed by the node's identity key. A software attestation proves that whoever answered holds the
// identity key and reports that binary digest; it does not prove the hardware, nor that the process
// reporting the digest is honest (a modified binary can lie about its own digest). The statement's
// `evidence` names what backs it ("software" today) so that a TPM quote, which would bind the digest
// to measured boot, can be added as another kind without changing the format.

import Crypto
import Foundation

/// What a node states about itself.
public struct AttestationStatement: Codable, Sendable, Equatable {
    public static let currentFormat = "coffer-attestation/1"

    public var format: String
    /// The kinds of evidence behind the statement: "software" (the identity key's signature alone).
    public var evidence: [String]
    public var cluster: String
    public var nodeID: String
    /// SHA-256 of the running cofferd executable, hex.
    public var binarySHA256: String
    public var version: String
    /// The identity's Ed25519 signing key and X25519 key-agreement key (HPKE), raw, base64.
    public var identitySigningKey: String
    public var identityAgreementKey: String
    public var time: Date
    /// The verifier's nonce, hex.
    public var nonce: String

    enum CodingKeys: String, CodingKey {
        case format, evidence, cluster, version, time, nonce
        case nodeID = "node_id"
        case binarySHA256 = "binary_sha256"
        case identitySigningKey = "identity_signing_key"
        case identityAgreementKey = "identity_agreement_key"
    }

    public init(
        cluster: String, nodeID: String, binarySHA256: String, version: String, identitySigningKey: String,
        identityAgreementKey: String, time: Date, nonce: String
    ) {
        self.format = Self.currentFormat
        self.evidence = ["software"]
        self.cluster = cluster
        self.nodeID = nodeID
        self.binarySHA256 = binarySHA256
        self.version = version
        self.identitySigningKey = identitySigningKey
        self.identityAgreementKey = identityAgreementKey
        self.time = time
        self.nonce = nonce
    }
}

/// Why an attestation was refused.
public struct AttestationError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A signed statement: the statement's exact bytes (canonical JSON) and the identity key's
/// Ed25519 signature over a domain-separation prefix and those bytes.
public struct NodeAttestation: Sendable, Equatable {
    public let statement: [UInt8]
    public let signature: [UInt8]

    /// Signatures are over this prefix and the statement, so no other Coffer signature can pass for one.
    static let context = Array("coffer node attestation v1\u{0}".utf8)
    /// Nonces are 16 to 64 bytes.
    public static let nonceLengths = 16...64

    public init(statement: [UInt8], signature: [UInt8]) {
        self.statement = statement
        self.signature = signature
    }

    /// Signs `statement` with `key`.
    public static func sign(_ statement: AttestationStatement, with key: Curve25519.Signing.PrivateKey) throws -> NodeAttestation {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let bytes = Array(try encoder.encode(statement))
        return NodeAttestation(statement: bytes, signature: Array(try key.signature(for: context + bytes)))
    }

    /// The statement as it reads, before any check: for a verifier that must first see which of its
    /// nonces it claims to answer. Trust nothing in it until `verify` has passed.
    public var unverifiedStatement: AttestationStatement? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(AttestationStatement.self, from: Data(statement))
    }

    /// The statement, once its signature verifies under the identity key it names, its format is
    /// known, it answers `nonce`, and its time is within `maxSkew` of `now`. The caller still decides
    /// whether that identity key and binary digest are ones it trusts.
    public func verify(nonce: [UInt8], now: Date = Date(), maxSkew: TimeInterval = 300) throws(AttestationError) -> AttestationStatement {
        guard let decoded = unverifiedStatement else { throw AttestationError("the statement is not a Coffer attestation") }
        guard decoded.format == AttestationStatement.currentFormat else {
            throw AttestationError("unknown attestation format \(decoded.format)")
        }
        guard let raw = Data(base64Encoded: decoded.identitySigningKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { throw AttestationError("the statement's identity key is not an Ed25519 key") }
        guard key.isValidSignature(signature, for: Self.context + statement) else {
            throw AttestationError("the signature does not verify under the identity key the statement names")
        }
        guard decoded.nonce == Self.hex(nonce) else { throw AttestationError("the statement answers another nonce (a replay?)") }
        guard abs(decoded.time.timeIntervalSince(now)) <= maxSkew else {
            throw AttestationError("the statement's time \(decoded.time) is more than \(Int(maxSkew)) s from now")
        }
        return decoded
    }
}

extension NodeAttestation {
    /// Lower-case hex, as the statement carries nonces and digests.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
