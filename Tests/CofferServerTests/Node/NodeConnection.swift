// Test support: gRPC calls to a node over HTTP2ClientTransport.Posix with the TLS identity a test
// chooses (the bundle's client certificate, none, or one from another CA).

import CofferProtocol
import GRPCCore
import GRPCNIOTransportHTTP2

/// How a test client presents itself.
struct ClientIdentity: Sendable {
    /// The CA to trust (PEM).
    var caPEM: String
    /// The client certificate and key (PEM), or nil for none.
    var certificatePEM: String?
    var keyPEM: String?

    var transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        let trust: TLSConfig.TrustRootsSource = .certificates([.bytes(Array(caPEM.utf8), format: .pem)])
        if let certificatePEM, let keyPEM {
            return .mTLS(
                certificateChain: [.bytes(Array(certificatePEM.utf8), format: .pem)],
                privateKey: .bytes(Array(keyPEM.utf8), format: .pem)
            ) { config in
                config.trustRoots = trust
            }
        }
        return .tls { config in config.trustRoots = trust }
    }
}

/// Runs `body` with a client connected to `endpoint` as `identity`.
func withNode<Result: Sendable>(
    _ endpoint: NodeEndpoint, as identity: ClientIdentity,
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    let transport = try HTTP2ClientTransport.Posix(
        target: .ipv4(address: endpoint.host, port: endpoint.port), transportSecurity: identity.transportSecurity)
    return try await withGRPCClient(transport: transport) { client in try await body(client) }
}

/// The RPC error `body` throws, or nil when it succeeds.
func rpcError(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(code: .unknown, message: "\(error)")
    }
}
