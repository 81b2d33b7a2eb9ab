// What a node does for its membership while it serves mutual TLS (issue 11, docs/cluster.md):
// - unsealed by the cluster's shares or its initialization, it admits itself: its member record
//   (identity keys, binary digest, node certificate) and its binary on the allowed list;
// - while unsealed, it says where it serves (its peer hint, every 10 s), and seals itself the
//   moment it sees that an admin removed it;
// - while sealed, on a shared store (etcd), it asks its peers for the domain key once a second,
//   with a fresh attestation each time, until one sends it or the shares unseal it.

import CofferAttestation
import CofferProtocol
import CofferState
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Synchronization

/// Keeps one node's membership while its mTLS listener serves.
final class MembershipKeeper: Sendable {
    let state: StateMachine
    let node: NodeInfo
    let identity: NodeIdentity
    let directory: DataDirectory
    let certificateSHA256: String
    /// SHA-256 of the cluster CA certificate, for the peer hint.
    let caSHA256: String
    /// Where peers reach this node.
    let address: String
    let logger: Logger
    /// Called once the domain key from a peer unsealed the node.
    let onUnsealedByPeer: @Sendable (String) -> Void

    static let round: Duration = .seconds(1)
    static let longestPause: Duration = .seconds(8)
    static let hintInterval: Duration = .seconds(10)

    private struct Progress {
        /// The unseal (by shares or initialization) this node has admitted itself for.
        var admitted = false
        var hintWrittenAt: ContinuousClock.Instant?
        /// The last reason no peer sent the key, logged once until it changes.
        var lastRefusal: String?
        /// Rounds in a row in which some peer refused this node outright.
        var refusedRounds = 0
    }
    private let progress = Mutex(Progress())

    init(
        state: StateMachine, node: NodeInfo, identity: NodeIdentity, directory: DataDirectory,
        certificateSHA256: String, caSHA256: String, address: String, logger: Logger,
        onUnsealedByPeer: @escaping @Sendable (String) -> Void
    ) {
        self.state = state
        self.node = node
        self.identity = identity
        self.directory = directory
        self.certificateSHA256 = certificateSHA256
        self.caSHA256 = caSHA256
        self.address = address
        self.logger = logger
        self.onUnsealedByPeer = onUnsealedByPeer
    }

    /// Runs until cancelled. After rounds in which peers refused this node (rather than being
    /// sealed or unreachable), it waits longer, up to `longestPause`, so that a node nobody will
    /// serve does not fill its peers' logs with a refusal a second.
    func run() async {
        while !Task.isCancelled {
            await step()
            try? await Task.sleep(for: Self.pause(afterRefusals: progress.withLock { $0.refusedRounds }))
        }
    }

    /// The wait before the next round after `refused` rounds in a row in which a peer refused this
    /// node: a round, doubling from the second refusal on, up to `longestPause`.
    static func pause(afterRefusals refused: Int) -> Duration {
        refused == 0 ? round : min(longestPause, round * (1 << min(refused - 1, 4)))
    }

    /// One round: admit, hint and check removal while unsealed; ask the peers while sealed.
    func step() async {
        switch state.status {
        case .uninitialized:
            return
        case .sealed:
            progress.withLock {
                $0.admitted = false
                $0.hintWrittenAt = nil
            }
            if node.replicatedStore != nil { await askPeers() }
        case .unsealed:
            progress.withLock { $0.refusedRounds = 0 }
            await keepMembership()
        }
    }

    private func keepMembership() async {
        let method = state.unsealMethod
        if !progress.withLock({ $0.admitted }), method == .shares || method == .initialization {
            let member = ClusterMember(
                nodeID: node.nodeID, identitySigningKey: identity.signingPublicKey,
                identityAgreementKey: identity.agreementPublicKey, binarySHA256: node.binarySHA256,
                certificateSHA256: certificateSHA256, address: address, joinedAt: Date(),
                admittedBy: method?.rawValue ?? "shares")
            do {
                try await state.admit(member, allowingBinary: true)
                progress.withLock { $0.admitted = true }
                logger.notice("member of the cluster", metadata: ["binary_sha256": "\(node.binarySHA256)", "admitted_by": "\(member.admittedBy)"])
            } catch .membership(let why) {
                logger.error("sealing again: \(why)")
                state.seal()
                return
            } catch {
                logger.warning("could not record this node's membership; trying again", metadata: ["error": "\(error)"])
            }
        }
        if let removed = (try? state.member(node.nodeID))??.removedAt {
            logger.error("this node was removed from the cluster; sealing", metadata: ["removed_at": "\(removed)"])
            state.seal()
            return
        }
        let now = ContinuousClock.now
        let due = progress.withLock { p in p.hintWrittenAt.map { now - $0 >= Self.hintInterval } ?? true }
        guard due else { return }
        do {
            try await state.publish(PeerHint(nodeID: node.nodeID, address: address, seenAt: Date(), caSHA256: caSHA256))
            progress.withLock { $0.hintWrittenAt = now }
        } catch {
            logger.debug("peer hint not written", metadata: ["error": "\(error)"])
        }
    }

    /// Asks each peer that said where it serves, the most recently seen first, until one sends the key.
    private func askPeers() async {
        let hints: [PeerHint]
        do { hints = try await state.peerHints() } catch {
            note("the store's peer hints could not be read: \(error)")
            return
        }
        let peers = hints.filter { $0.nodeID != node.nodeID }.sorted { $0.seenAt > $1.seenAt }
        guard !peers.isEmpty else {
            note("no peer has said where it serves yet")
            return
        }
        var reasons: [String] = []
        var refused = false
        for peer in peers {
            guard state.status != .unsealed else { return }
            do {
                try await ask(peer)
                progress.withLock {
                    $0.lastRefusal = nil
                    $0.refusedRounds = 0
                }
                logger.notice("unsealed with the domain key from a peer", metadata: ["peer": "\(peer.nodeID)"])
                onUnsealedByPeer(peer.nodeID)
                return
            } catch {
                if (error as? RPCError)?.code == .permissionDenied { refused = true }
                reasons.append("\(peer.nodeID) at \(peer.address): \(Self.describe(error))")
            }
        }
        progress.withLock { $0.refusedRounds = refused ? $0.refusedRounds + 1 : 0 }
        note("no peer sent the domain key (\(reasons.joined(separator: "; "))); waiting for a peer or the shares")
    }

    /// Logs `reason` once until it changes.
    private func note(_ reason: String) {
        let changed = progress.withLock { p -> Bool in
            defer { p.lastRefusal = reason }
            return p.lastRefusal != reason
        }
        if changed { logger.notice("still sealed: \(reason)") }
    }

    /// One exchange with `peer`: a nonce, this node's attestation for it, the sealed key, the unseal.
    private func ask(_ peer: PeerHint) async throws {
        try await PeerClient.with(
            peer.address, certificate: .file(path: directory.serverCertificate, format: .pem),
            key: .file(path: directory.serverKey, format: .pem), ca: .file(path: directory.caCertificate, format: .pem)
        ) { service, options in
            let challenge = try await service.getChallenge(Coffer_V1_GetChallengeRequest(), options: options)
            let nonce = Array(challenge.nonce)
            let attestation = try identity.attest(
                nonce: nonce, cluster: node.clusterName, nodeID: node.nodeID, binarySHA256: node.binarySHA256,
                version: node.version)
            var request = Coffer_V1_RequestDomainKeyRequest()
            request.statement = Data(attestation.statement)
            request.signature = Data(attestation.signature)
            let reply = try await service.requestDomainKey(request, options: options)
            try await state.unseal(
                receiving: SealedDomainKey(encapsulatedKey: Array(reply.encapsulatedKey), ciphertext: Array(reply.ciphertext)),
                identity: identity.agreement,
                for: DomainKeyTransfer(sender: challenge.nodeID, recipient: node.nodeID, nonce: nonce))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let rpc = error as? RPCError { return rpc.message.isEmpty ? "\(rpc.code)" : rpc.message }
        return "\(error)"
    }

    /// A `HOST:PORT` (or `[IPV6]:PORT`) as a gRPC target.
    static func target(_ address: String) throws -> any ResolvableTarget {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (1...65535).contains(port)
        else { throw ConfigurationError("peer address \(address) is not HOST:PORT") }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if IPAddressText.isAddress(host) {
            return host.contains(":") ? .ipv6(address: host, port: port) : .ipv4(address: host, port: port)
        }
        return .dns(host: host, port: port)
    }
}
