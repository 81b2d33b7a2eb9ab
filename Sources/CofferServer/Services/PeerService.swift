// PeerService: an unsealed node hands the domain key to a sealed member of its cluster that proves
// who it is (docs/cluster.md, "Restart without shares"). The member asks for a nonce, answers it
// with its attestation, and gets the domain key sealed to its attested X25519 identity key (HPKE).
// Before sealing anything the node checks, in order: the caller's TLS certificate is the one the
// member was admitted with (so a removed node's revoked certificate, or a user's, gets nothing),
// the nonce is one it issued within 120 s and not used, the statement is signed by the identity key
// it names, that identity is the member's, the member is not removed, and
// its binary digest is on the cluster's allowed list. Every grant and refusal is logged.

import CofferAttestation
import CofferModel
import CofferProtocol
import CofferState
import Crypto
import Foundation
import GRPCCore
import X509
import Logging
import Synchronization

/// The nonces a node has handed out for domain-key requests: each good once, for `lifetime`.
final class PeerChallenges: Sendable {
    static let lifetime: Duration = .seconds(120)
    /// More outstanding nonces than this and the oldest are dropped (a caller that asks and never answers).
    static let capacity = 256
    private let issued = Mutex<[String: ContinuousClock.Instant]>([:])

    /// A fresh 32-byte nonce.
    func issue() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let now = ContinuousClock.now
        issued.withLock { table in
            table = table.filter { now - $0.value < Self.lifetime }
            if table.count >= Self.capacity, let oldest = table.min(by: { $0.value < $1.value })?.key {
                table[oldest] = nil
            }
            table[NodeAttestation.hex(nonce)] = now
        }
        return nonce
    }

    /// True once for a nonce issued here less than `lifetime` ago; it is used up either way.
    func consume(_ nonceHex: String) -> Bool {
        let now = ContinuousClock.now
        guard let at = issued.withLock({ $0.removeValue(forKey: nonceHex) }) else { return false }
        return now - at < Self.lifetime
    }
}

/// The domain-key hand-over between nodes.
struct PeerService: Coffer_V1_PeerService.SimpleServiceProtocol {
    let gate: RequestGate
    let node: NodeInfo
    let challenges: PeerChallenges
    let logger: Logger
    /// Longest statement accepted (one is about 600 bytes).
    static let maxStatementLength = 4096

    func getChallenge(request: Coffer_V1_GetChallengeRequest, context: ServerContext) async throws
        -> Coffer_V1_GetChallengeResponse
    {
        try await gate.run(context) { peer in
            guard gate.state.status == .unsealed else { throw ServiceFailure(StateError.sealed) }
            // Nonces only for a member's own certificate or a join credential: nobody else can fill
            // the table and push a joining node's nonce out.
            let fingerprint = peer.certificateFingerprint.map(ClusterMember.hex)
            let isJoinCredential = peer.clientCertificate.flatMap(ClusterCA.joinName(of:)) != nil
            let isMember = try gate.state.members().contains { $0.removedAt == nil && $0.certificateSHA256 == fingerprint }
            guard isJoinCredential || isMember else {
                throw refusal("the connection's certificate is neither a member's nor a join credential")
            }
            var response = Coffer_V1_GetChallengeResponse()
            response.nonce = Data(challenges.issue())
            response.nodeID = node.nodeID
            response.header = gate.responseHeader()
            return response
        }
    }

    func requestDomainKey(request: Coffer_V1_RequestDomainKeyRequest, context: ServerContext) async throws
        -> Coffer_V1_RequestDomainKeyResponse
    {
        try await gate.run(context) { peer in
            do {
                let (statement, nonce) = try check(request, from: peer)
                let sealed = try sealKey(for: statement, nonce: nonce)
                logger.notice(
                    "domain key sent to a member",
                    metadata: ["member": "\(statement.nodeID)", "binary_sha256": "\(statement.binarySHA256)", "peer": "\(peer.connection)"])
                var response = Coffer_V1_RequestDomainKeyResponse()
                response.encapsulatedKey = Data(sealed.encapsulatedKey)
                response.ciphertext = Data(sealed.ciphertext)
                response.header = gate.responseHeader()
                return response
            } catch let failure as ServiceFailure {
                logger.notice("domain key refused", metadata: ["reason": "\(failure.message)", "peer": "\(peer.connection)"])
                throw failure
            }
        }
    }

    /// The caller's checked statement and the nonce it answered, or the refusal.
    private func check(
        _ request: Coffer_V1_RequestDomainKeyRequest, from peer: Peer
    ) throws -> (AttestationStatement, [UInt8]) {
        let state = gate.state
        let (statement, nonce) = try verified(statement: request.statement, signature: request.signature)
        guard let member = try state.member(statement.nodeID) else {
            throw refusal("\(statement.nodeID) is not a member of this cluster")
        }
        if let removed = member.removedAt {
            throw refusal("\(statement.nodeID) was removed from the cluster at \(ISO8601DateFormatter().string(from: removed))")
        }
        guard let fingerprint = peer.certificateFingerprint, ClusterMember.hex(fingerprint) == member.certificateSHA256
        else { throw refusal("the connection's certificate is not the one \(statement.nodeID) was admitted with") }
        guard statement.identitySigningKey == member.identitySigningKey,
            statement.identityAgreementKey == member.identityAgreementKey
        else { throw refusal("the attested identity is not the one \(statement.nodeID) was admitted with") }
        try requireAllowed(statement)
        return (statement, nonce)
    }

    /// An attestation that answers a nonce this node issued (used up now), signed by the identity
    /// key it names, dated within 5 minutes; with the nonce. The caller decides whom it trusts.
    private func verified(statement bytes: Data, signature: Data) throws -> (AttestationStatement, [UInt8]) {
        guard gate.state.status == .unsealed else { throw ServiceFailure(StateError.sealed) }
        guard bytes.count <= Self.maxStatementLength, signature.count == 64 else {
            throw refusal("the attestation is malformed")
        }
        let attestation = NodeAttestation(statement: Array(bytes), signature: Array(signature))
        // The nonce the statement names must be one of ours, fresh and unused; it is used up now.
        guard let claimed = attestation.unverifiedStatement, let nonce = Self.bytes(hex: claimed.nonce),
            challenges.consume(claimed.nonce)
        else { throw refusal("the attestation answers no nonce this node issued in the last 120 s (a replay, or too slow)") }
        // The statement's cluster name comes from the node's configuration and is not checked: the
        // member record or join credential, this CA's certificate and the shares' set id in the
        // HPKE info bind the cluster.
        do { return (try attestation.verify(nonce: nonce), nonce) } catch {
            throw refusal("the attestation does not verify: \(error.description)")
        }
    }

    private func requireAllowed(_ statement: AttestationStatement) throws {
        guard try gate.state.allowedBinaries().contains(statement.binarySHA256) else {
            throw refusal("binary \(statement.binarySHA256) is not on the cluster's allowed list (coffer cluster allow-binary)")
        }
    }

    /// The domain key sealed to the statement's X25519 identity key for this exchange.
    private func sealKey(for statement: AttestationStatement, nonce: [UInt8]) throws -> SealedDomainKey {
        guard let raw = Data(base64Encoded: statement.identityAgreementKey),
            let recipient = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw)
        else { throw refusal("the attested X25519 identity key is malformed") }
        return try gate.state.sealDomainKey(
            to: recipient, for: DomainKeyTransfer(sender: node.nodeID, recipient: statement.nodeID, nonce: nonce))
    }

    /// Most certificate names a joining node may ask for.
    static let maxCertificateNames = 16

    func join(request: Coffer_V1_JoinRequest, context: ServerContext) async throws -> Coffer_V1_JoinResponse {
        try await gate.run(context) { peer in
            do {
                guard let credential = peer.clientCertificate, let name = ClusterCA.joinName(of: credential),
                    let credentialSHA256 = peer.certificateFingerprint.map(ClusterMember.hex)
                else { throw refusal("Join needs the connection to present a join credential (coffer cluster add-node)") }
                let (statement, nonce) = try verified(statement: request.statement, signature: request.signature)
                guard (1...64).contains(statement.nodeID.utf8.count) else { throw refusal("the attested node id is malformed") }
                try requireAllowed(statement)
                guard let publicKey = try? P256.Signing.PublicKey(derRepresentation: request.tlsPublicKey) else {
                    throw refusal("the public key to certify is not a P-256 key (SubjectPublicKeyInfo DER)")
                }
                guard request.certificateNames.count <= Self.maxCertificateNames else {
                    throw refusal("at most \(Self.maxCertificateNames) certificate names")
                }
                for name in request.certificateNames {
                    do { try NodeConfiguration.validateCertificateName(name) } catch { throw refusal("\(error)") }
                }
                do { _ = try MembershipKeeper.target(request.address) } catch { throw refusal("\(error)") }
                let ca = try ClusterCA.load(from: gate.state)
                let certificate = try ca.issueServerCertificate(
                    for: publicKey, nodeName: statement.nodeID,
                    dnsNames: request.certificateNames.filter { !IPAddressText.isAddress($0) },
                    ipAddresses: request.certificateNames.filter { IPAddressText.isAddress($0) })
                // Sealed before the commit, so that nothing can fail between admitting the node and answering it.
                let sealed = try sealKey(for: statement, nonce: nonce)
                let member = ClusterMember(
                    nodeID: statement.nodeID, identitySigningKey: statement.identitySigningKey,
                    identityAgreementKey: statement.identityAgreementKey, binarySHA256: statement.binarySHA256,
                    certificateSHA256: Peer.fingerprint(certificate).map(ClusterMember.hex) ?? "", address: request.address,
                    joinedAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)), admittedBy: "join",
                    name: name)
                let replaced: ClusterMember?
                do { replaced = try await gate.state.join(member, credentialSHA256: credentialSHA256) } catch StateError.membership(let why) {
                    throw refusal(why)
                }
                logger.notice(
                    "node joined the cluster",
                    metadata: [
                        "name": "\(name)", "member": "\(statement.nodeID)", "binary_sha256": "\(statement.binarySHA256)",
                        "replaced": "\(replaced?.nodeID ?? "none")",
                    ])
                var response = Coffer_V1_JoinResponse()
                response.certificatePem = try certificate.serializeAsPEM().pemString
                response.caCertificatePem = try ca.certificatePEM
                response.encapsulatedKey = Data(sealed.encapsulatedKey)
                response.ciphertext = Data(sealed.ciphertext)
                response.name = name
                response.replacedNodeID = replaced?.nodeID ?? ""
                response.header = gate.responseHeader()
                return response
            } catch let failure as ServiceFailure {
                logger.notice("join refused", metadata: ["reason": "\(failure.message)", "peer": "\(peer.connection)"])
                throw failure
            }
        }
    }

    private func refusal(_ why: String) -> ServiceFailure { ServiceFailure(.actionProhibited, why) }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0, digits.count <= 2 * NodeAttestation.nonceLengths.upperBound else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            index += 2
        }
        return out
    }
}
