// One fast-path connection on the node: the first frame must redeem a ticket, after which each frame
// is a PipelineBatch whose calls are answered right here on the connection's event loop, with no hop
// to another thread, and the replies of one read go out as one frame. Anything malformed closes the
// connection; a call's own failure is its CKR in the reply, as on the gRPC pipeline.

import CofferCrypto
import CofferModel
import CofferProtocol
import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SwiftProtobuf

/// The node's handler for one fast-path connection (after TLS and the frame decoder).
final class FastPathHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long a new connection has to finish TLS and present its ticket, by default.
    static let attachTimeout: TimeAmount = .seconds(10)
    /// Most calls of one connection that may be on the thread pool or waiting for a revision at once;
    /// past it they are refused with CKR_FUNCTION_FAILED.
    static let maxWaiting = 1024

    private enum Phase {
        case awaitingHello
        case attached(Peer, connection: String)
        case closing
    }

    private let service: TokenService
    private let attachTimeout: TimeAmount
    private var tickets: FastPathTickets { service.gate.fastPath }
    private var phase = Phase.awaitingHello
    private var replies: [Coffer_V1_PipelineReply] = []
    private var attachTimer: Scheduled<Void>?
    private var waiting = 0

    init(service: TokenService, attachTimeout: TimeAmount = FastPathHandler.attachTimeout) {
        self.service = service
        self.attachTimeout = attachTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        attachTimer = context.eventLoop.scheduleTask(in: attachTimeout) { channel.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        attachTimer?.cancel()
        if case .attached(_, let connection) = phase { tickets.detach(context.channel, from: connection) }
        phase = .closing
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Only a client that asked for this protocol by ALPN is served.
        if case .handshakeCompleted(let negotiated) = event as? TLSUserEvent, negotiated != FastPathFrame.applicationProtocol {
            close(context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch phase {
        case .awaitingHello: hello(context, frame)
        case .attached(let peer, _): batch(context, frame, peer)
        case .closing: break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard !replies.isEmpty else { return context.fireChannelReadComplete() }
        let ready = replies
        replies.removeAll(keepingCapacity: true)
        write(ready, on: context.channel, context: context)
        context.fireChannelReadComplete()
    }

    private func hello(_ context: ChannelHandlerContext, _ frame: ByteBuffer) {
        guard let hello = try? Coffer_V1_FastPathHello(serializedBytes: Array(frame.readableBytesView)) else {
            return close(context)
        }
        let channel = context.channel
        let fingerprint = (try? channel.pipeline.syncOperations.nioSSL_peerCertificate())?
            .flatMap { try? $0.toDERBytes() }
            .map { Array(SHA256.hash(data: $0)) }
        var welcome = Coffer_V1_FastPathWelcome()
        if let fingerprint, let connection = tickets.redeem(Array(hello.ticket), fingerprint: fingerprint, channel: channel) {
            attachTimer?.cancel()
            phase = .attached(Peer(connection: connection, certificateFingerprint: fingerprint), connection: connection)
        } else {
            welcome.returnCode = UInt64(ReturnCode.userNotLoggedIn.rawValue)
            welcome.message = "unknown, used or expired fast-path ticket, or another client certificate"
            phase = .closing
        }
        var buffer = channel.allocator.buffer(capacity: 64)
        try? FastPathFrame.write(welcome, into: &buffer)
        let refused = welcome.returnCode != 0
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            if refused { channel.close(promise: nil) }
        }
    }

    private func batch(_ context: ChannelHandlerContext, _ frame: ByteBuffer, _ peer: Peer) {
        guard let batch = try? Coffer_V1_PipelineBatch(serializedBytes: Array(frame.readableBytesView)),
            batch.calls.count <= TokenService.pipelineBatchLimit
        else { return close(context) }
        for call in batch.calls {
            if Self.isHeavy(call) {
                offload(call, peer, context)
            } else if let reply = service.pipelineReplyNow(call, peer) {
                replies.append(reply)
            } else {
                wait(for: call, peer, channel: context.channel, eventLoop: context.eventLoop)
            }
        }
    }

    /// Private-key RSA and ML-DSA operations take hundreds of microseconds, and a search may walk many
    /// objects. They run on NIO's thread pool, so that the calls of one connection use every core and
    /// the event loop keeps reading.
    static func isHeavy(_ call: Coffer_V1_PipelineCall) -> Bool {
        switch call.request {
        case .sign(let request)?: heavyMechanisms.contains(request.mechanism.type)
        case .decrypt(let request)?: heavyMechanisms.contains(request.mechanism.type)
        case .find?: true
        default: false
        }
    }

    /// CKM_RSA_PKCS, _OAEP, _PSS, the SHA-2 RSA signatures and CKM_ML_DSA.
    private static let heavyMechanisms: Set<UInt64> = [0x0001, 0x0009, 0x000D, 0x0040, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x001D]

    /// Answers `call` on the thread pool and writes its reply from the event loop.
    private func offload(_ call: Coffer_V1_PipelineCall, _ peer: Peer, _ context: ChannelHandlerContext) {
        guard waiting < Self.maxWaiting else { return replies.append(busyReply(call.id)) }
        waiting += 1
        let service = self.service
        let channel = context.channel
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) {
            service.pipelineReplyNow(call, peer)
        }.whenComplete { result in
            let handler = loopBound.value
            handler.waiting -= 1
            switch result {
            case .success(let reply?): handler.write([reply], on: channel, context: nil)
            case .success(nil): handler.wait(for: call, peer, channel: channel, eventLoop: channel.eventLoop)
            case .failure: handler.write([handler.busyReply(call.id)], on: channel, context: nil)
            }
        }
    }

    private func busyReply(_ id: UInt64) -> Coffer_V1_PipelineReply {
        var reply = Coffer_V1_PipelineReply()
        reply.id = id
        reply.returnCode = UInt64(ReturnCode.functionFailed.rawValue)
        reply.message = "too many calls waiting on this connection"
        reply.revision = service.state.revision
        return reply
    }

    /// A call whose min_revision the node has not reached yet: answered from a task once it has, so
    /// that the event loop never waits.
    private func wait(for call: Coffer_V1_PipelineCall, _ peer: Peer, channel: any Channel, eventLoop: any EventLoop) {
        guard waiting < Self.maxWaiting else { return write([busyReply(call.id)], on: channel, context: nil) }
        waiting += 1
        let service = self.service
        let done = eventLoop.makePromise(of: Coffer_V1_PipelineReply.self)
        done.completeWithTask { await service.pipelineReply(call, peer) }
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        done.futureResult.whenSuccess { reply in
            loopBound.value.waiting -= 1
            loopBound.value.write([reply], on: channel, context: nil)
        }
    }

    /// Writes `replies` as frames of bounded size, and flushes.
    private func write(_ replies: [Coffer_V1_PipelineReply], on channel: any Channel, context: ChannelHandlerContext?) {
        var buffer = channel.allocator.buffer(capacity: 256 * replies.count)
        for run in FastPathFrame.runs(replies, countLimit: TokenService.pipelineBatchLimit, size: { $0.output.count + 32 }) {
            var message = Coffer_V1_PipelineReplies()
            message.replies = Array(run)
            do {
                try FastPathFrame.write(message, into: &buffer)
            } catch {
                return channel.close(promise: nil)
            }
        }
        if let context {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        } else {
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    private func close(_ context: ChannelHandlerContext) {
        phase = .closing
        context.close(promise: nil)
    }
}
