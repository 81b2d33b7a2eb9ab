// NodeService: seal status, unseal, login and logout. Login binds its token to the connection or
// the client certificate, as the request's LoginScope says.

import CofferCrypto
import CofferModel
import CofferProtocol
import CofferState
import Foundation
import GRPCCore

/// The node's status, unseal and login service.
struct NodeService: Coffer_V1_NodeService.SimpleServiceProtocol {
    let gate: RequestGate
    let node: NodeInfo
    /// Longest share text accepted (a share is well under a kilobyte).
    static let maxShareLength = 4096

    func getStatus(request: Coffer_V1_GetStatusRequest, context: ServerContext) async throws -> Coffer_V1_GetStatusResponse {
        try await gate.run(context) { _ in
            var response = Coffer_V1_GetStatusResponse()
            response.header = gate.responseHeader()
            (response.sealState, response.sharesGiven, response.threshold) = Self.seal(gate.state.status)
            response.nodeID = node.nodeID
            response.version = node.version
            // The name given at initialization once the node can read it; its configuration's before.
            response.clusterName = ClusterCA.clusterName(in: gate.state) ?? node.clusterName
            Self.describeMemory(into: &response, state: gate.state, node: node)
            if let outcome = node.backupScheduler?.lastOutcome {
                response.lastBackupAt = ISO8601DateFormatter().string(from: outcome.at)
                response.lastBackupFile = outcome.file ?? ""
                response.lastBackupError = outcome.error ?? ""
            }
            // A health probe's answer must not wait on the store.
            if !request.brief { await Self.describeStore(into: &response, state: gate.state, node: node) }
            return response
        }
    }

    /// What GetStatus tells from the node's memory: uptime, backend, freshness.
    static func describeMemory(into response: inout Coffer_V1_GetStatusResponse, state: StateMachine, node: NodeInfo) {
        response.uptimeSeconds = (ContinuousClock.now - node.startedAt).components.seconds
        response.storeBackend = node.replicatedStore?.backendName ?? "sqlite"
        let freshness = state.freshness
        response.millisSinceCurrent = freshness.sinceLastProof.map { Self.milliseconds($0) } ?? -1
        response.watchFailures = UInt32(clamping: freshness.watchFailures)
    }

    /// The store's side of GetStatus: the store's revision (the lag) and the store cluster's members.
    /// A store that cannot be read is reported, not thrown: status must work on a cut-off node.
    static func describeStore(into response: inout Coffer_V1_GetStatusResponse, state: StateMachine, node: NodeInfo) async {
        do {
            response.storeRevision = try await state.storeRevision()
        } catch {
            response.storeError = error.description
        }
        guard let store = node.replicatedStore else { return }
        do {
            response.storeMembers = try await store.members().map { member in
                var wire = Coffer_V1_StoreMember()
                wire.name = member.name
                wire.clientUrls = member.clientURLs
                wire.leader = member.isLeader
                wire.learner = member.isLearner
                return wire
            }
        } catch {
            if response.storeError.isEmpty { response.storeError = "the store's members could not be read: \(error)" }
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    func getAttestation(
        request: Coffer_V1_GetAttestationRequest, context: ServerContext
    ) async throws -> Coffer_V1_GetAttestationResponse {
        try await gate.run(context) { _ in
            var response = try node.attestation(for: request)
            response.header = gate.responseHeader()
            return response
        }
    }

    func unseal(request: Coffer_V1_UnsealRequest, context: ServerContext) async throws -> Coffer_V1_UnsealResponse {
        try await gate.run(context) { peer in
            try Self.refuseJoinCredential(peer)
            guard request.share.utf8.count <= Self.maxShareLength else { throw ServiceFailure.argumentsBad("share too long") }
            let status = try await gate.state.unseal(shareText: request.share)
            // A node an admin removed stays out, shares or not: it seals again at once.
            if status == .unsealed, let removed = try gate.state.member(node.nodeID)?.removedAt {
                gate.state.seal()
                throw ServiceFailure(
                    .actionProhibited,
                    "this node (\(node.nodeID)) was removed from the cluster at \(ISO8601DateFormatter().string(from: removed)); it sealed again. Start cofferd on a fresh data folder to bring the machine back")
            }
            var response = Coffer_V1_UnsealResponse()
            response.header = gate.responseHeader()
            (response.sealState, response.sharesGiven, response.threshold) = Self.seal(status)
            return response
        }
    }

    /// A join credential's certificate only joins a node (PeerService.Join): no login, no unseal.
    static func refuseJoinCredential(_ peer: Peer) throws(ServiceFailure) {
        guard let certificate = peer.clientCertificate, ClusterCA.joinName(of: certificate) != nil else { return }
        throw ServiceFailure(.actionProhibited, "a join credential only joins a node; use a client certificate for this")
    }

    func login(request: Coffer_V1_LoginRequest, context: ServerContext) async throws -> Coffer_V1_LoginResponse {
        try await gate.run(context) { peer in
            try Self.refuseJoinCredential(peer)
            let binding: LoginBinding
            switch request.scope {
            case .connection:
                binding = .connection(peer.connection)
            case .certificate:
                guard let fingerprint = peer.certificateFingerprint else {
                    throw ServiceFailure.argumentsBad("a certificate-scoped login needs a client certificate")
                }
                binding = .certificate(fingerprint)
            case .UNRECOGNIZED:
                throw ServiceFailure.argumentsBad("unknown login scope")
            }
            // A failed login is logged with the name it tried (cut to a user name's length).
            AuditContext.current?.user = String(request.userName.prefix(User.maxNameLength))
            guard request.userName.utf8.count <= User.maxNameLength else { throw ServiceFailure(.pinIncorrect, StateError.pinIncorrect.description) }
            let user = try await gate.state.authenticate(name: request.userName, password: WireDecoding.password(request.password))
            // Administration happens from an admin workstation only (issue 14): checked after the
            // password, so that the refusal tells nothing to someone who does not know it.
            if user.role == .admin, let certificate = peer.clientCertificate,
                ClusterCA.profile(of: certificate) == .application
            {
                throw ServiceFailure(
                    .userTypeInvalid,
                    "admins log in only over an admin workstation's certificate; this connection's certificate is an application's (docs/operations.md, \"Client certificates\")")
            }
            var response = Coffer_V1_LoginResponse()
            response.loginToken = gate.logins.login(user.id, binding: binding)
            response.role = WireDecoding.wire(user.role)
            response.userID = user.id.rawValue
            response.header = gate.responseHeader()
            return response
        }
    }

    func logout(request: Coffer_V1_LogoutRequest, context: ServerContext) async throws -> Coffer_V1_LogoutResponse {
        try await gate.run(request.header, context) { caller in
            _ = try caller.requireUser()
            gate.logins.logout(request.header.loginToken, from: caller.peer)
            var response = Coffer_V1_LogoutResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    private static func seal(_ status: StateMachine.Status) -> (Coffer_V1_SealState, UInt32, UInt32) {
        switch status {
        case .uninitialized: (.uninitialized, 0, 0)
        case .sealed(let given, let threshold): (.sealed, UInt32(clamping: given), UInt32(clamping: threshold))
        case .unsealed: (.unsealed, 0, 0)
        }
    }
}
