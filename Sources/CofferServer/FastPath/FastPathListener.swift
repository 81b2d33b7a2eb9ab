// The node's fast-path listener: mutual TLS 1.3 with the same certificates as the gRPC listener, ALPN
// "coffer-fast/1", length-prefixed frames, and a FastPathHandler per connection. It serves only calls
// of connections attached by ticket (docs/protocol.md, "The fast path").

import CofferProtocol
import NIOCore
import NIOPosix
import NIOSSL
import X509

/// A bound fast-path listener; `close()` stops it and its connections.
public final class FastPathListener: Sendable {
    /// The bound TCP port.
    public let port: Int
    private let channel: any Channel
    private let services: CofferServices

    private init(channel: any Channel, port: Int, services: CofferServices) {
        self.channel = channel
        self.port = port
        self.services = services
    }

    /// Binds `host:port` (0 picks a free port) and serves the pipeline calls of `services`. A connection
    /// that has not presented a ticket `attachTimeout` after it was accepted is closed.
    public static func bind(
        host: String, port: Int, certificateChain: [Certificate], privateKey: NIOSSLPrivateKey, ca: Certificate,
        services: CofferServices, attachTimeout: TimeAmount = .seconds(10),
        eventLoopGroup: MultiThreadedEventLoopGroup = .singletonMultiThreadedEventLoopGroup
    ) async throws -> FastPathListener {
        let configuration = try TLSListener.serverTLS(
            certificateChain: certificateChain, privateKey: privateKey, clientCertificates: .required(ca),
            applicationProtocols: [FastPathFrame.applicationProtocol])
        let sslContext = try NIOSSLContext(configuration: configuration)
        let service = TokenService(gate: services.gate)
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        NIOSSLServerHandler(context: sslContext),
                        ByteToMessageHandler(FastPathFrameDecoder()),
                        FastPathHandler(service: service, attachTimeout: attachTimeout))
                }
            }
            .bind(host: host, port: port).get()
        let bound = channel.localAddress?.port ?? port
        services.gate.fastPath.port = bound
        return FastPathListener(channel: channel, port: bound, services: services)
    }

    /// Stops accepting; open fast-path connections close with their gRPC connections.
    public func close() async {
        services.gate.fastPath.port = 0
        try? await channel.close()
    }
}
