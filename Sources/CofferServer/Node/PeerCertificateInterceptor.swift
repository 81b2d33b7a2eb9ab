// Tells each RPC its peer's client certificate and its fingerprint (taken once per connection), for
// services (certificate-scoped logins) when the node serves through its own TLSListener.

import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOSSL
import X509

/// Fills `ServerContext.transportSpecific` with the `PeerIdentity` (certificate and fingerprint) of
/// the connection the RPC arrived on.
public struct PeerCertificateInterceptor: ServerInterceptor {
    let connections: TLSListener.ConnectionTable

    /// An interceptor for RPCs accepted by `listener`.
    public init(listener: TLSListener) {
        self.connections = listener.connections
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        var context = context
        if context.transportSpecific == nil, let identity = await connections.identity(forPeer: context.remotePeer) {
            context.transportSpecific = identity
        }
        return try await next(request, context)
    }
}
