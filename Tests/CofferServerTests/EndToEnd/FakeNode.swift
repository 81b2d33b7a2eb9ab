// A stand-in node for client transport tests: real gRPC over mTLS on a loopback port, with
// NodeService and UserService answering from a counter and recording the headers it receives.

import CofferProtocol
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// A fake NodeService + UserService that records request headers.
final class FakeNode: Sendable {
    private let state = Mutex<(revision: Int64, headers: [Coffer_V1_RequestHeader])>((0, []))

    var receivedHeaders: [Coffer_V1_RequestHeader] { state.withLock { $0.headers } }

    private func bump() -> Coffer_V1_ResponseHeader {
        var header = Coffer_V1_ResponseHeader()
        header.revision = state.withLock { state in
            state.revision += 10
            return state.revision
        }
        return header
    }

    private func record(_ header: Coffer_V1_RequestHeader) { state.withLock { $0.headers.append(header) } }

    /// NodeService over this fake's state.
    struct Node: Coffer_V1_NodeService.SimpleServiceProtocol {
        let fake: FakeNode
        func getStatus(request: Coffer_V1_GetStatusRequest, context: ServerContext) async throws
            -> Coffer_V1_GetStatusResponse
        {
            try await fake.getStatus(request: request, context: context)
        }
        func unseal(request: Coffer_V1_UnsealRequest, context: ServerContext) async throws -> Coffer_V1_UnsealResponse {
            try await fake.unseal(request: request, context: context)
        }
        func login(request: Coffer_V1_LoginRequest, context: ServerContext) async throws -> Coffer_V1_LoginResponse {
            try await fake.login(request: request, context: context)
        }
        func logout(request: Coffer_V1_LogoutRequest, context: ServerContext) async throws -> Coffer_V1_LogoutResponse {
            try await fake.logout(request: request, context: context)
        }
        func getAttestation(
            request: Coffer_V1_GetAttestationRequest, context: ServerContext
        ) async throws -> Coffer_V1_GetAttestationResponse {
            throw RPCError(code: .unimplemented, message: "the fake node has no identity")
        }
    }

    /// UserService over this fake's state.
    struct Users: Coffer_V1_UserService.SimpleServiceProtocol {
        let fake: FakeNode
        func createUser(request: Coffer_V1_CreateUserRequest, context: ServerContext) async throws
            -> Coffer_V1_CreateUserResponse
        {
            try await fake.createUser(request: request, context: context)
        }
        func deleteUser(request: Coffer_V1_DeleteUserRequest, context: ServerContext) async throws
            -> Coffer_V1_DeleteUserResponse
        {
            try await fake.deleteUser(request: request, context: context)
        }
        func listUsers(request: Coffer_V1_ListUsersRequest, context: ServerContext) async throws
            -> Coffer_V1_ListUsersResponse
        {
            try await fake.listUsers(request: request, context: context)
        }
        func changePassword(request: Coffer_V1_ChangePasswordRequest, context: ServerContext) async throws
            -> Coffer_V1_ChangePasswordResponse
        {
            try await fake.changePassword(request: request, context: context)
        }
        func unlockUser(request: Coffer_V1_UnlockUserRequest, context: ServerContext) async throws
            -> Coffer_V1_UnlockUserResponse
        {
            try await fake.unlockUser(request: request, context: context)
        }
    }

    func getStatus(request: Coffer_V1_GetStatusRequest, context: ServerContext) async throws
        -> Coffer_V1_GetStatusResponse
    {
        var response = Coffer_V1_GetStatusResponse()
        response.header = bump()
        response.sealState = .unsealed
        response.nodeID = "fake"
        return response
    }

    func unseal(request: Coffer_V1_UnsealRequest, context: ServerContext) async throws -> Coffer_V1_UnsealResponse {
        var metadata = Metadata()
        metadata.addString("7", forKey: CofferWire.returnCodeMetadataKey)
        throw RPCError(code: .invalidArgument, message: "bad share", metadata: metadata)
    }

    func login(request: Coffer_V1_LoginRequest, context: ServerContext) async throws -> Coffer_V1_LoginResponse {
        var response = Coffer_V1_LoginResponse()
        response.header = bump()
        response.loginToken = "token-for-" + request.userName
        response.role = .cryptoUser
        return response
    }

    func logout(request: Coffer_V1_LogoutRequest, context: ServerContext) async throws -> Coffer_V1_LogoutResponse {
        record(request.header)
        return Coffer_V1_LogoutResponse()
    }

    func createUser(request: Coffer_V1_CreateUserRequest, context: ServerContext) async throws
        -> Coffer_V1_CreateUserResponse
    {
        record(request.header)
        var response = Coffer_V1_CreateUserResponse()
        response.header = bump()
        response.user.name = request.name
        return response
    }

    func deleteUser(request: Coffer_V1_DeleteUserRequest, context: ServerContext) async throws
        -> Coffer_V1_DeleteUserResponse
    {
        record(request.header)
        return Coffer_V1_DeleteUserResponse()
    }

    func listUsers(request: Coffer_V1_ListUsersRequest, context: ServerContext) async throws
        -> Coffer_V1_ListUsersResponse
    {
        record(request.header)
        var response = Coffer_V1_ListUsersResponse()
        response.header = bump()
        return response
    }

    func changePassword(request: Coffer_V1_ChangePasswordRequest, context: ServerContext) async throws
        -> Coffer_V1_ChangePasswordResponse
    {
        record(request.header)
        return Coffer_V1_ChangePasswordResponse()
    }

    func unlockUser(request: Coffer_V1_UnlockUserRequest, context: ServerContext) async throws
        -> Coffer_V1_UnlockUserResponse
    {
        record(request.header)
        return Coffer_V1_UnlockUserResponse()
    }

    /// Serves over mTLS (trusting `pki`'s CA) on a free loopback port, runs `body` with the port.
    static func serving<T: Sendable>(
        _ node: FakeNode, pki: TestPKI, _ body: (Int) async throws -> T
    ) async throws -> T {
        let server = try pki.issue(commonName: "node", server: true)
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: 0),
            transportSecurity: .mTLS(
                certificateChain: [.bytes(Array(server.certificatePEM.utf8), format: .pem)],
                privateKey: .bytes(Array(server.keyPEM.utf8), format: .pem)
            ) { tls in
                tls.trustRoots = .certificates([.bytes(Array(try! pki.caPEM.utf8), format: .pem)])
                tls.clientCertificateVerification = .noHostnameVerification
            })
        let grpcServer = GRPCServer(transport: transport, services: [Node(fake: node), Users(fake: node)])
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await grpcServer.serve() }
            guard let address = try await transport.listeningAddress.ipv4 else {
                throw RPCError(code: .internalError, message: "no address")
            }
            do {
                let result = try await body(address.port)
                grpcServer.beginGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                grpcServer.beginGracefulShutdown()
                group.cancelAll()
                throw error
            }
        }
    }
}
