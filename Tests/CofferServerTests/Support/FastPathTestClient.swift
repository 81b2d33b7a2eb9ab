// A raw fast-path client for tests: mutual TLS to a FastPathListener with a chosen certificate and
// ALPN, then whatever bytes or frames the test sends, and every frame the node sends back, in order,
// until the node closes the connection.

import CofferProtocol
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SwiftProtobuf

/// One test connection to a fast-path listener.
final class FastPathTestClient {
    private let channel: any Channel
    private var iterator: AsyncStream<ByteBuffer>.Iterator

    /// Connects to `port` on loopback as the holder of `certificatePEM`/`keyPEM`, trusting `caPEM`.
    init(
        port: Int, caPEM: String, certificatePEM: String, keyPEM: String,
        applicationProtocols: [String] = [FastPathFrame.applicationProtocol]
    ) async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv13
        tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        tls.applicationProtocols = applicationProtocols
        let context = try NIOSSLContext(configuration: tls)
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        iterator = stream.makeAsyncIterator()
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        try NIOSSLClientHandler(context: context, serverHostname: nil),
                        ByteToMessageHandler(FastPathFrameDecoder()),
                        Collector(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// Sends raw bytes.
    func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// Sends `message` as one frame.
    func send(_ message: some SwiftProtobuf.Message) async throws {
        var buffer = channel.allocator.buffer(capacity: 256)
        try FastPathFrame.write(message, into: &buffer)
        try await channel.writeAndFlush(buffer)
    }

    /// The next frame from the node, or nil once it has closed the connection.
    func next() async -> ByteBuffer? {
        await iterator.next()
    }

    /// The next frame as `M`, or nil once the connection has closed.
    func next<M: SwiftProtobuf.Message>(_: M.Type) async throws -> M? {
        guard let frame = await next() else { return nil }
        return try M(serializedBytes: Array(frame.readableBytesView))
    }

    /// Presents `ticket` and returns the node's welcome (nil if it closed without one).
    func hello(_ ticket: [UInt8]) async throws -> Coffer_V1_FastPathWelcome? {
        var hello = Coffer_V1_FastPathHello()
        hello.ticket = Data(ticket)
        try await send(hello)
        return try await next(Coffer_V1_FastPathWelcome.self)
    }

    /// Waits until the node has closed the connection, discarding frames; true once it has.
    func closedByNode() async -> Bool {
        while await next() != nil {}
        return true
    }

    func close() async {
        try? await channel.close()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<ByteBuffer>.Continuation

        init(_ continuation: AsyncStream<ByteBuffer>.Continuation) {
            self.continuation = continuation
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            continuation.finish()
            context.close(promise: nil)
        }
    }
}
