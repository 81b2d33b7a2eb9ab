// BootstrapService.Initialize: the one call made before a cluster CA exists. Plain TLS, no client
// certificate, and the node's self-signed bootstrap certificate pinned as the only trust root.

import CofferProtocol
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

/// Initializes an uninitialized node over its bootstrap listener.
public enum CofferBootstrap {
    /// Calls Initialize once. Never retried: a second Initialize would make a second set of shares.
    ///
    /// The server name is not checked against the endpoint: the pinned certificate is the identity
    /// (only a node holding its key can complete the handshake), and a bootstrap certificate made
    /// before the operator chose a DNS name may not name the host used to reach it.
    public static func initialize(
        endpoint: Endpoint, bootstrapCAPEM: String, request: Coffer_V1_InitializeRequest,
        deadline: Duration = .seconds(30)
    ) async throws(CofferClientError) -> Coffer_V1_InitializeResponse {
        try await call(
            endpoint, bootstrapCAPEM, Coffer_V1_BootstrapService.Method.Initialize.descriptor, request, deadline)
    }

    /// Gives one unseal share to a node that joins an initialized cluster, over its join listener
    /// (the same pinned self-signed certificate as the bootstrap listener). Once enough shares are
    /// in, the node issues its own certificate and moves to mutual TLS: later calls use the profile.
    public static func unseal(
        endpoint: Endpoint, bootstrapCAPEM: String, share: String, deadline: Duration = .seconds(30)
    ) async throws(CofferClientError) -> Coffer_V1_UnsealResponse {
        var request = Coffer_V1_UnsealRequest()
        request.share = share
        return try await call(endpoint, bootstrapCAPEM, Coffer_V1_NodeService.Method.Unseal.descriptor, request, deadline)
    }

    /// GetStatus over a bootstrap or join listener.
    public static func status(
        endpoint: Endpoint, bootstrapCAPEM: String, deadline: Duration = .seconds(30)
    ) async throws(CofferClientError) -> Coffer_V1_GetStatusResponse {
        try await call(
            endpoint, bootstrapCAPEM, Coffer_V1_NodeService.Method.GetStatus.descriptor, Coffer_V1_GetStatusRequest(),
            deadline)
    }

    /// One call over TLS trusting only `bootstrapCAPEM`, on a connection of its own.
    private static func call<Request: SwiftProtobuf.Message & Sendable, Response: SwiftProtobuf.Message & Sendable>(
        _ endpoint: Endpoint, _ bootstrapCAPEM: String, _ method: MethodDescriptor, _ request: Request,
        _ deadline: Duration
    ) async throws(CofferClientError) -> Response {
        let security = HTTP2ClientTransport.Posix.TransportSecurity.tls { tls in
            tls.trustRoots = .certificates([.bytes(Array(bootstrapCAPEM.utf8), format: .pem)])
            tls.serverCertificateVerification = .noHostnameVerification
        }
        let connection = EndpointConnection(endpoint: endpoint, security: security, fastTLS: nil)
        do {
            let response: Response = try await CofferClient.unary(connection, method, request, deadline: deadline)
            await connection.close()
            return response
        } catch {
            await connection.close()
            throw error
        }
    }
}
