// The node's listener speaks TLS 1.3 only: a client capped at TLS 1.2 fails the handshake, and
// the same client allowed 1.3 completes it (the control).

import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Testing

@Suite("TLS version")
struct TLSVersionTests {
    /// Reports whether the TLS handshake completed (true) or failed (false).
    final class HandshakeObserver: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<Bool>

        init(promise: EventLoopPromise<Bool>) { self.promise = promise }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event { promise.succeed(true) }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.succeed(false)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(false)
            context.fireChannelInactive()
        }
    }

    static func handshake(to endpoint: NodeEndpoint, identity: ClientIdentity, maximum: TLSVersion) async throws -> Bool {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.maximumTLSVersion = maximum
        configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificatePEM!.utf8)).map {
            .certificate($0)
        }
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.keyPEM!.utf8), format: .pem))
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(identity.caPEM.utf8)))
        configuration.applicationProtocols = ["h2"]
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Bool.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(HandshakeObserver(promise: promise))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port).get()
        let completed = try await promise.futureResult.get()
        try? await channel.close()
        return completed
    }

    @Test func onlyTLS13IsAccepted() async throws {
        let data = try CofferdProcess.temporaryDirectory()
        let node = try CofferdProcess(["--dev", "--data-dir", data])
        let endpoint = try await node.endpoint()
        let (_, identity) = try CofferdDevModeTests.bundleIdentity(data)
        #expect(try await Self.handshake(to: endpoint, identity: identity, maximum: .tlsv13))
        #expect(try await !Self.handshake(to: endpoint, identity: identity, maximum: .tlsv12))
        #expect(node.terminate() == 0)
    }
}
