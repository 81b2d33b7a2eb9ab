// NodeService on the join listener: a node whose store is initialized (another node initialized the
// cluster) but whose data folder has no TLS credentials yet. It offers GetStatus and Unseal over
// the pinned bootstrap certificate; once the cluster's shares unseal it, the node issues its own
// server certificate from the cluster CA and moves to mutual TLS, unsealed.

import CofferCrypto
import CofferProtocol
import CofferState
import GRPCCore
import Logging
import Synchronization

/// GetStatus and Unseal for a node that joins an initialized cluster.
public final class JoinService: Coffer_V1_NodeService.SimpleServiceProtocol {
    let state: StateMachine
    let status: BootstrapStatusService
    let logger: Logger
    /// Called once the state is unsealed, before the Unseal reply is sent: issues the node's
    /// credentials and starts the hand-over to mTLS. A throw leaves the node sealed.
    let onUnsealed: @Sendable () throws -> Void
    private let handedOver = Mutex(false)

    public init(
        state: StateMachine, node: NodeInfo, logger: Logger, onUnsealed: @escaping @Sendable () throws -> Void
    ) {
        self.state = state
        self.status = BootstrapStatusService(state: state, node: node)
        self.logger = logger
        self.onUnsealed = onUnsealed
    }

    public func getStatus(request: Coffer_V1_GetStatusRequest, context: ServerContext) async throws
        -> Coffer_V1_GetStatusResponse
    {
        try await status.getStatus(request: request, context: context)
    }

    public func getAttestation(request: Coffer_V1_GetAttestationRequest, context: ServerContext) async throws
        -> Coffer_V1_GetAttestationResponse
    {
        try await status.getAttestation(request: request, context: context)
    }

    public func unseal(request: Coffer_V1_UnsealRequest, context: ServerContext) async throws
        -> Coffer_V1_UnsealResponse
    {
        guard request.share.utf8.count <= NodeService.maxShareLength else {
            throw ServiceFailure.argumentsBad("share too long").rpcError(revision: state.revision)
        }
        let progress: StateMachine.Status
        do { progress = try await state.unseal(shareText: request.share) } catch {
            // The share itself is never logged, only that one was refused.
            logger.notice("unseal share refused", metadata: ["error": "\(error)"])
            throw ServiceFailure(error).rpcError(revision: state.revision)
        }
        var response = Coffer_V1_UnsealResponse()
        switch progress {
        case .uninitialized:
            throw RPCError.bootstrap(.notInitialized)
        case .sealed(let given, let threshold):
            logger.notice("unseal share accepted", metadata: ["given": "\(given)", "threshold": "\(threshold)"])
            response.sealState = .sealed
            response.sharesGiven = UInt32(given)
            response.threshold = UInt32(threshold)
        case .unsealed:
            try handOver()
            response.sealState = .unsealed
        }
        response.header.revision = state.revision
        return response
    }

    /// Runs `onUnsealed` once (concurrent Unseal calls may both see the state unsealed).
    private func handOver() throws {
        try handedOver.withLock { done in
            guard !done else { return }
            do {
                try onUnsealed()
            } catch {
                logger.error(
                    "unsealed, but the node's certificate could not be issued; sealing again",
                    metadata: ["error": "\(error)"])
                state.seal()
                throw RPCError.bootstrap(
                    .internalError, "unsealed, but the node's certificate could not be issued from the cluster CA",
                    returnCode: ReturnCode.deviceError.rawValue)
            }
            done = true
        }
    }

    public func login(request: Coffer_V1_LoginRequest, context: ServerContext) async throws -> Coffer_V1_LoginResponse {
        throw Self.refused
    }

    public func logout(request: Coffer_V1_LogoutRequest, context: ServerContext) async throws
        -> Coffer_V1_LogoutResponse
    {
        throw Self.refused
    }

    /// Only GetStatus, GetAttestation and Unseal are served until the node has its credentials.
    static var refused: RPCError {
        .bootstrap(.failedPrecondition, "the node is joining: only GetStatus, GetAttestation and Unseal are served", returnCode: StateError.sealed.returnCode.rawValue)
    }
}
