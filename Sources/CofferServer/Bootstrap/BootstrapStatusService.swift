// NodeService on the bootstrap listener: GetStatus only (so a CLI can see "uninitialized" before it
// calls Initialize). Everything else is refused: there is no cluster to unseal or log in to yet.

import CofferCrypto
import CofferProtocol
import CofferState
import GRPCCore

/// GetStatus for a node that has never been initialized.
public struct BootstrapStatusService: Coffer_V1_NodeService.SimpleServiceProtocol {
    let state: StateMachine
    let node: NodeInfo

    public init(state: StateMachine, node: NodeInfo) {
        self.state = state
        self.node = node
    }

    public func getStatus(request: Coffer_V1_GetStatusRequest, context: ServerContext) async throws
        -> Coffer_V1_GetStatusResponse
    {
        var response = Coffer_V1_GetStatusResponse()
        response.header.revision = state.revision
        switch state.status {
        case .uninitialized: response.sealState = .uninitialized
        case .sealed(let given, let threshold):
            response.sealState = .sealed
            response.sharesGiven = UInt32(given)
            response.threshold = UInt32(threshold)
        case .unsealed: response.sealState = .unsealed
        }
        response.nodeID = node.nodeID
        response.version = node.version
        response.clusterName = node.clusterName
        return response
    }

    public func unseal(request: Coffer_V1_UnsealRequest, context: ServerContext) async throws
        -> Coffer_V1_UnsealResponse
    {
        throw Self.refused
    }

    /// Served before initialization too: an operator may check a node's binary before trusting it.
    public func getAttestation(request: Coffer_V1_GetAttestationRequest, context: ServerContext) async throws
        -> Coffer_V1_GetAttestationResponse
    {
        do {
            var response = try node.attestation(for: request)
            response.header.revision = state.revision
            return response
        } catch {
            throw error.rpcError(revision: state.revision)
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

    static var refused: RPCError { .bootstrap(.notInitialized) }
}
