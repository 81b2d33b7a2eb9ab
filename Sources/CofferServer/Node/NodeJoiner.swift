// A new node joining with a join credential (issue 11, docs/cluster.md "Joining with a
// credential"): a node with no certificate whose configuration names a credential file
// (`coffer cluster add-node --out`) asks its future peers, found through their hints, to let it in.
// Over mutual TLS with the credential's certificate it asks a peer for a nonce, answers it with its
// attestation and the public key its node certificate is to be issued for, and gets the
// certificate and the domain key sealed to its identity. It writes the certificate to its data
// folder, unseals, and serves. Refused (a used or expired credential, a binary not allowed), it
// says why and asks again, more and more slowly, until it is let in or stopped.

import CofferAttestation
import CofferProtocol
import CofferState
import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import X509

/// The join credential file: what `coffer cluster add-node --out` writes.
public struct JoinCredentialFile: Codable, Sendable {
    public var name: String
    public var cluster: String
    /// The cluster CA's certificate, and the credential's certificate and private key, PEM.
    public var ca: String
    public var certificate: String
    public var key: String
    public var expiresAt: String
    public var replaceable: Bool

    enum CodingKeys: String, CodingKey {
        case name, cluster, ca, certificate, key, replaceable
        case expiresAt = "expires_at"
    }

    /// Reads the file at `path` and checks that its certificates and key parse and belong together.
    public static func load(_ path: String) throws(ConfigurationError) -> JoinCredentialFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read the join credential file \(path)")
        }
        let notOne = ConfigurationError("the join credential file \(path) is not one (coffer cluster add-node --out writes it)")
        guard let file = try? JSONDecoder().decode(JoinCredentialFile.self, from: data),
            (try? Certificate(pemEncoded: file.ca)) != nil, let certificate = try? Certificate(pemEncoded: file.certificate),
            let key = try? P256.Signing.PrivateKey(pemRepresentation: file.key)
        else { throw notOne }
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey), ClusterCA.joinName(of: certificate) == file.name else {
            throw ConfigurationError("the join credential file \(path) does not hold a join credential for \(file.name) and its key")
        }
        return file
    }
}

/// Node-to-node calls over mutual TLS.
enum PeerClient {
    static let callDeadline: Duration = .seconds(3)

    /// Runs `body` with a PeerService client on `address`, presenting `certificate` and `key` and
    /// trusting only `ca`.
    static func with<Result: Sendable>(
        _ address: String, certificate: TLSConfig.CertificateSource, key: TLSConfig.PrivateKeySource,
        ca: TLSConfig.CertificateSource,
        _ body: (Coffer_V1_PeerService.Client<HTTP2ClientTransport.Posix>, CallOptions) async throws -> Result
    ) async throws -> Result {
        let transport = try HTTP2ClientTransport.Posix(
            target: try MembershipKeeper.target(address),
            transportSecurity: .mTLS(certificateChain: [certificate], privateKey: key) { tls in
                tls.trustRoots = .certificates([ca])
                // Any node certificate of this cluster's CA is a peer; the address came from the store.
                tls.serverCertificateVerification = .noHostnameVerification
            })
        var options = CallOptions.defaults
        options.timeout = callDeadline
        return try await withGRPCClient(transport: transport) { client in
            try await body(Coffer_V1_PeerService.Client(wrapping: client), options)
        }
    }
}

/// One node's join with its credential.
struct NodeJoiner {
    let state: StateMachine
    let node: NodeInfo
    let identity: NodeIdentity
    let configuration: NodeConfiguration
    let directory: DataDirectory
    let credential: JoinCredentialFile
    let logger: Logger

    /// What a successful join gives.
    struct Joined {
        let credentials: NodeCredentials
        let peer: String
        let name: String
        let replaced: String?
    }

    /// Asks each peer in turn until one lets the node in. Returns nil once `stopped` says so.
    func run(stopped: @Sendable () -> Bool) async throws -> Joined? {
        var lastReason = ""
        var refusedRounds = 0
        while !stopped() {
            var reasons: [String] = []
            var refused = false
            let hints = (try? await state.peerHints()) ?? []
            let ours = try Certificate(pemEncoded: credential.ca)
            let caSHA256 = Peer.fingerprint(ours).map(ClusterMember.hex) ?? ""
            let published = Set(hints.compactMap(\.caSHA256))
            if !published.isEmpty, !published.contains(caSHA256) {
                reasons.append(
                    "the join credential is for another cluster: its CA (SHA-256 \(caSHA256)) is not the one this cluster's peers serve with (\(published.sorted().joined(separator: ", ")))")
                refused = true
            }
            for peer in hints.filter({ $0.nodeID != node.nodeID && (published.isEmpty || $0.caSHA256 == caSHA256) })
                .sorted(by: { $0.seenAt > $1.seenAt })
            {
                do {
                    return try await join(through: peer)
                } catch {
                    if (error as? RPCError)?.code == .permissionDenied { refused = true }
                    reasons.append("\(peer.nodeID) at \(peer.address): \(MembershipKeeper.describe(error))")
                }
            }
            let reason = reasons.isEmpty ? "no peer has said where it serves yet" : reasons.joined(separator: "; ")
            if reason != lastReason {
                logger.notice("not joined yet: \(reason)")
                lastReason = reason
            }
            refusedRounds = refused ? refusedRounds + 1 : 0
            try? await Task.sleep(for: MembershipKeeper.pause(afterRefusals: refusedRounds))
        }
        return nil
    }

    private func join(through peer: PeerHint) async throws -> Joined {
        let tlsKey = P256.Signing.PrivateKey()
        let (reply, nonce, sender) = try await PeerClient.with(
            peer.address, certificate: .bytes(Array(credential.certificate.utf8), format: .pem),
            key: .bytes(Array(credential.key.utf8), format: .pem), ca: .bytes(Array(credential.ca.utf8), format: .pem)
        ) { service, options in
            let challenge = try await service.getChallenge(Coffer_V1_GetChallengeRequest(), options: options)
            let nonce = Array(challenge.nonce)
            let attestation = try identity.attest(
                nonce: nonce, cluster: node.clusterName, nodeID: node.nodeID, binarySHA256: node.binarySHA256,
                version: node.version)
            var request = Coffer_V1_JoinRequest()
            request.statement = Data(attestation.statement)
            request.signature = Data(attestation.signature)
            request.tlsPublicKey = tlsKey.publicKey.derRepresentation
            request.certificateNames = NodeCredentials.certificateNames(configuration)
            request.address = CofferNode.advertised(configuration, endpoint: configuration.listen.description)
            return (try await service.join(request, options: options), nonce, challenge.nodeID)
        }
        let certificate = try Certificate(pemEncoded: reply.certificatePem)
        let ca = try Certificate(pemEncoded: reply.caCertificatePem)
        guard certificate.publicKey == Certificate.PublicKey(tlsKey.publicKey) else {
            throw ConfigurationError("the peer's certificate is not for this node's key")
        }
        let credentials = try NodeCredentials.save(certificate: certificate, key: tlsKey, ca: ca, in: directory)
        try await state.unseal(
            receiving: SealedDomainKey(encapsulatedKey: Array(reply.encapsulatedKey), ciphertext: Array(reply.ciphertext)),
            identity: identity.agreement, for: DomainKeyTransfer(sender: sender, recipient: node.nodeID, nonce: nonce))
        return Joined(
            credentials: credentials, peer: peer.nodeID, name: reply.name,
            replaced: reply.replacedNodeID.isEmpty ? nil : reply.replacedNodeID)
    }
}
