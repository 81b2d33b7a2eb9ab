// BootstrapService.Initialize: the one call made before a cluster CA exists. Plain TLS, no client
// certificate, and the node's self-signed bootstrap certificate pinned as the only trust root.

import CofferProtocol
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

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
        let security = HTTP2ClientTransport.Posix.TransportSecurity.tls { tls in
            tls.trustRoots = .certificates([.bytes(Array(bootstrapCAPEM.utf8), format: .pem)])
            tls.serverCertificateVerification = .noHostnameVerification
        }
        let connection = EndpointConnection(endpoint: endpoint, security: security, fastTLS: nil)
        do {
            let response: Coffer_V1_InitializeResponse = try await CofferClient.unary(
                connection, Coffer_V1_BootstrapService.Method.Initialize.descriptor, request, deadline: deadline)
            await connection.close()
            return response
        } catch {
            await connection.close()
            throw error
        }
    }
}
