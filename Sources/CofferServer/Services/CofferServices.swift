// The gRPC services a node serves, built over one StateMachine. cofferd registers `services` with
// its GRPCServer; tests can register them on an in-process transport.

import CofferAttestation
import CofferProtocol
import CofferState
import Foundation
import GRPCCore
import Logging

/// What a node says about itself in GetStatus.
public struct NodeInfo: Sendable {
    public var nodeID: String
    public var version: String
    public var clusterName: String
    /// When the node started serving, for its uptime.
    public var startedAt: ContinuousClock.Instant
    /// The store's cluster, when the node runs on one (etcd); nil for SQLite.
    public var replicatedStore: (any ReplicatedStateStore)?
    /// The node's backup schedule, when it has one.
    public var backupScheduler: BackupScheduler?
    /// The node's identity keys and the SHA-256 of its executable, for GetAttestation (nil: not offered).
    public var identity: NodeIdentity?
    public var binarySHA256 = "unknown"

    /// GetAttestation's answer: the identity's signed statement for the caller's nonce.
    func attestation(for request: Coffer_V1_GetAttestationRequest) throws(ServiceFailure) -> Coffer_V1_GetAttestationResponse {
        guard NodeAttestation.nonceLengths.contains(request.nonce.count) else {
            throw .argumentsBad("the nonce must be \(NodeAttestation.nonceLengths.lowerBound) to \(NodeAttestation.nonceLengths.upperBound) bytes")
        }
        guard let identity else { throw ServiceFailure(.functionNotSupported, "this node has no identity keys") }
        let signed: NodeAttestation
        do {
            signed = try identity.attest(
                nonce: Array(request.nonce), cluster: clusterName, nodeID: nodeID, binarySHA256: binarySHA256, version: version)
        } catch {
            throw ServiceFailure(.deviceError, "the attestation could not be signed")
        }
        var response = Coffer_V1_GetAttestationResponse()
        response.statement = Data(signed.statement)
        response.signature = Data(signed.signature)
        return response
    }

    public init(
        nodeID: String, version: String, clusterName: String, startedAt: ContinuousClock.Instant = .now,
        replicatedStore: (any ReplicatedStateStore)? = nil
    ) {
        self.nodeID = nodeID
        self.version = version
        self.clusterName = clusterName
        self.startedAt = startedAt
        self.replicatedStore = replicatedStore
    }
}

/// Coffer's gRPC services over one state machine: NodeService, UserService and TokenService, sharing
/// one login table and one session table.
public final class CofferServices: Sendable {
    public let state: StateMachine
    public let node: NodeInfo
    /// How long a certificate-scoped login (the CLI's) stays valid without use.
    public let loginIdleTimeout: Duration
    /// The node's logins.
    public let logins: LoginTable
    /// The node's sessions.
    public let sessions: SessionTable
    let gate: RequestGate
    /// The node's audit entries for what commits nothing (crypto calls, logins, refusals).
    let audit: AuditRecorder
    /// The nonces handed out for domain-key requests (PeerService).
    let challenges = PeerChallenges()
    let logger: Logger

    public init(
        state: StateMachine, node: NodeInfo, loginIdleTimeout: Duration = .seconds(900),
        logger: Logger = Logger(label: "coffer.node")
    ) {
        self.state = state
        self.node = node
        self.logger = logger
        self.loginIdleTimeout = loginIdleTimeout
        // A login that ends takes its session objects with it.
        self.logins = LoginTable(idleTimeout: loginIdleTimeout) { [state] ended in
            for login in ended { state.endLogin(login) }
        }
        self.sessions = SessionTable()
        self.audit = AuditRecorder(node: node.nodeID, state: state, logger: logger)
        self.gate = RequestGate(state: state, logins: logins, sessions: sessions, audit: audit)
    }

    /// Writes the node's audit entries (`AuditRecorder`) and numbers pending ones into the log
    /// (`AuditSequencer`) until cancelled. Without it, the node records nothing but what it commits.
    public func runAudit(cryptoCalls: Bool) async {
        let sequencer = node.identity.map { identity in
            AuditSequencer(
                state: state, node: node.nodeID, identity: identity,
                origin: { [state, node] in AuditService.origin(state, fallback: node.clusterName) }, logger: logger)
        }
        // The recorder's blocks are made on a thread of their own at the lowest priority.
        let background = BackgroundExecutor()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.audit.run(cryptoCalls: cryptoCalls, sequencer: sequencer, background: background) }
            if let sequencer { group.addTask { await sequencer.run() } }
        }
        await background.shutdown()
    }

    /// Frees what a closed connection held: its sessions (and their session objects) and the logins bound
    /// to it. The node's TLS listener calls this when a connection closes.
    public func connectionClosed(_ connection: String) {
        gate.dropConnection(connection)
    }

    /// The services to register with a `GRPCServer`.
    public var services: [any RegistrableRPCService] {
        [nodeService, userService, tokenService, backupService, peerService, clusterService, auditService, quorumService]
    }

    /// NodeService (status, unseal, login, logout).
    public var nodeService: some Coffer_V1_NodeService.SimpleServiceProtocol { NodeService(gate: gate, node: node) }
    /// UserService (user administration).
    public var userService: some Coffer_V1_UserService.SimpleServiceProtocol { UserService(gate: gate) }
    /// BackupService (signed snapshots of the whole state).
    public var backupService: some Coffer_V1_BackupService.SimpleServiceProtocol { BackupService(gate: gate, node: node) }
    /// PeerService (the domain key for a sealed member).
    public var peerService: some Coffer_V1_PeerService.SimpleServiceProtocol {
        PeerService(gate: gate, node: node, challenges: challenges, logger: logger)
    }
    /// ClusterService (membership).
    public var clusterService: some Coffer_V1_ClusterService.SimpleServiceProtocol { ClusterService(gate: gate) }
    /// QuorumService (approval keys, quorum settings, tokens and approvals).
    public var quorumService: some Coffer_V1_QuorumService.SimpleServiceProtocol { QuorumService(gate: gate, node: node) }
    /// AuditService (the audit log, for auditors).
    public var auditService: some Coffer_V1_AuditService.SimpleServiceProtocol { AuditService(gate: gate, node: node) }
    /// TokenService (objects, keys and operations).
    public var tokenService: some Coffer_V1_TokenService.SimpleServiceProtocol { TokenService(gate: gate) }
}
