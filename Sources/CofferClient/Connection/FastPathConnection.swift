// One fast-path connection to a node (docs/protocol.md, "The fast path"): mutual TLS 1.3 with ALPN
// "coffer-fast/1", a ticket that attaches it to the client's gRPC connection, then PipelineBatch
// frames out and PipelineReplies frames in. Calls queued while a write is pending go out together.
// A watchdog fails calls past the deadline, and a broken connection fails every call on it.

import CofferProtocol
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// An attached fast-path connection; made by `FastPathConnection.open`.
final class FastPathConnection: PipelineSender {
    private struct Outgoing {
        var queued: [Coffer_V1_PipelineCall] = []
        var flushScheduled = false
    }

    private let calls: PendingCalls
    private let outgoing = Mutex(Outgoing())
    private let channel: any Channel
    private let endpoint: Endpoint
    private let deadline: Duration
    private let watchdog: Mutex<RepeatedTask?> = Mutex(nil)

    private init(channel: any Channel, endpoint: Endpoint, deadline: Duration) {
        self.channel = channel
        self.endpoint = endpoint
        self.deadline = deadline
        self.calls = PendingCalls(deadline: deadline)
    }

    /// Connects to `endpoint`'s host on `port`, presents `ticket`, and returns the attached connection.
    static func open(
        endpoint: Endpoint, port: Int, ticket: [UInt8], tls: NIOSSLContext, deadline: Duration
    ) async throws -> FastPathConnection {
        let welcome = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Coffer_V1_FastPathWelcome.self)
        let inbox = FastPathInbox(welcome: welcome)
        let hostname = endpoint.isIPv4 || endpoint.isIPv6 ? nil : endpoint.host
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(Self.timeAmount(deadline))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        try NIOSSLClientHandler(context: tls, serverHostname: hostname),
                        ByteToMessageHandler(FastPathFrameDecoder()),
                        FastPathClientHandler(inbox: inbox))
                }
            }
            .connect(host: endpoint.host, port: port).get()
        let connection = FastPathConnection(channel: channel, endpoint: endpoint, deadline: deadline)
        do {
            var hello = Coffer_V1_FastPathHello()
            hello.ticket = .init(ticket)
            var buffer = channel.allocator.buffer(capacity: 64)
            try FastPathFrame.write(hello, into: &buffer)
            try await channel.writeAndFlush(buffer)
            let timeout = channel.eventLoop.scheduleTask(in: Self.timeAmount(deadline)) {
                inbox.settle(.failure(FastPathInbox.Failure.noWelcome))
            }
            let answer = try await welcome.futureResult.get()
            timeout.cancel()
            guard answer.returnCode == 0 else { throw FastPathInbox.Failure.refused(answer.message) }
        } catch {
            try? await channel.close()
            throw error
        }
        inbox.attach(connection)
        connection.startWatchdog()
        return connection
    }

    var hasEnded: Bool { calls.hasEnded }

    /// Calls sent and not yet answered.
    var inFlight: Int { calls.count }

    func send(_ call: Coffer_V1_PipelineCall, completion: @escaping PipelineStream.Completion) {
        var call = call
        switch calls.add(completion) {
        case .failure(let failure): return completion(.failure(failure))
        case .success(let id): call.id = id
        }
        let schedule = outgoing.withLock { outgoing -> Bool in
            outgoing.queued.append(call)
            defer { outgoing.flushScheduled = true }
            return !outgoing.flushScheduled
        }
        if schedule { channel.eventLoop.execute { self.flush() } }
    }

    /// Closes the connection; calls still waiting fail.
    func close() {
        fail(ended("has been closed"))
        channel.close(promise: nil)
    }

    /// On the event loop: writes every queued call, in frames of bounded size.
    private func flush() {
        let queued = outgoing.withLock { outgoing -> [Coffer_V1_PipelineCall] in
            outgoing.flushScheduled = false
            defer { outgoing.queued.removeAll(keepingCapacity: true) }
            return outgoing.queued
        }
        guard !queued.isEmpty, !calls.hasEnded else { return }
        var buffer = channel.allocator.buffer(capacity: 128 * queued.count)
        do {
            for run in FastPathFrame.runs(queued, countLimit: PipelineStream.batchLimit, size: Self.size) {
                var batch = Coffer_V1_PipelineBatch()
                batch.calls = Array(run)
                try FastPathFrame.write(batch, into: &buffer)
            }
        } catch {
            return fail(ended("could not frame a batch"))
        }
        channel.writeAndFlush(buffer).whenFailure { [weak self] error in
            guard let self else { return }
            self.fail(self.ended("could not be written to (\(error))"))
        }
    }

    /// `duration` as NIO's TimeAmount, to the nanosecond (a profile's deadline may be under a second).
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// An upper bound of a call's encoded size, for splitting batches. A mechanism parameter may be up
    /// to 64 KiB; counting the most for any call that has one keeps every frame in bounds.
    static func size(_ call: Coffer_V1_PipelineCall) -> Int {
        func bound(_ mechanism: Coffer_V1_Mechanism) -> Int { mechanism.parameter == nil ? 128 : 65_664 }
        switch call.request {
        case .sign(let request)?: return request.data.count + bound(request.mechanism)
        case .verify(let request)?: return request.data.count + request.signature.count + bound(request.mechanism)
        case .encrypt(let request)?, .decrypt(let request)?: return request.data.count + bound(request.mechanism)
        case .find(let request)?: return request.template.reduce(64) { $0 + $1.value.count + 24 }
        case nil: return 64
        }
    }

    /// The operation input `call` carries (the data, and a signature to verify).
    static func dataLength(of call: Coffer_V1_PipelineCall) -> Int {
        switch call.request {
        case .sign(let request)?: return request.data.count
        case .verify(let request)?: return request.data.count
        case .encrypt(let request)?, .decrypt(let request)?: return request.data.count
        case .find, nil: return 0
        }
    }

    /// A frame of replies from the node.
    fileprivate func received(_ replies: Coffer_V1_PipelineReplies) {
        for reply in replies.replies { calls.complete(reply.id, .success(reply)) }
    }

    /// The connection has broken or closed.
    fileprivate func broke(_ why: String) {
        fail(ended(why))
    }

    private func startWatchdog() {
        let period = max(Self.timeAmount(deadline / 4), .milliseconds(1))
        let task = channel.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { [weak self] task in
            guard let self, !self.hasEnded else { return task.cancel() }
            self.expire()
        }
        watchdog.withLock { $0 = task }
    }

    /// Fails the calls that outlived the deadline.
    private func expire() {
        calls.expire(
            with: CofferClientError(
                kind: .timedOut, returnCode: CofferReturnCode.deviceError,
                message: "no answer before the deadline (\(endpoint), fast path)", endpoint: endpoint))
    }

    private func fail(_ error: CofferClientError) {
        calls.fail(error)
        outgoing.withLock { $0.queued.removeAll() }
        watchdog.withLock { $0 }?.cancel()
    }

    private func ended(_ why: String) -> CofferClientError {
        CofferClientError(
            kind: .unreachable, returnCode: CofferReturnCode.deviceRemoved,
            message: "the fast path to \(endpoint) \(why)", endpoint: endpoint)
    }
}

/// Where the channel handler delivers frames: the welcome while attaching, then the connection's replies.
private final class FastPathInbox: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case noWelcome
        case refused(String)
        case closed

        var description: String {
            switch self {
            case .noWelcome: "the node did not answer the fast-path ticket"
            case .refused(let message): "the node refused the fast-path ticket: \(message)"
            case .closed: "the fast-path connection closed while attaching"
            }
        }
    }

    private let welcome: EventLoopPromise<Coffer_V1_FastPathWelcome>
    private let connection = Mutex<FastPathConnection?>(nil)
    private let firstFrameSeen = Atomic<Bool>(false)
    private let welcomeSettled = Atomic<Bool>(false)

    init(welcome: EventLoopPromise<Coffer_V1_FastPathWelcome>) {
        self.welcome = welcome
    }

    func attach(_ connection: FastPathConnection) {
        self.connection.withLock { $0 = connection }
    }

    /// Completes the welcome promise, once: the first of the welcome, a timeout and the close wins.
    func settle(_ result: Result<Coffer_V1_FastPathWelcome, any Error>) {
        guard welcomeSettled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        welcome.completeWith(result)
    }

    func frame(_ bytes: ByteBuffer) throws {
        if firstFrameSeen.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            settle(.success(try Coffer_V1_FastPathWelcome(serializedBytes: Array(bytes.readableBytesView))))
            return
        }
        let replies = try Coffer_V1_PipelineReplies(serializedBytes: Array(bytes.readableBytesView))
        connection.withLock { $0 }?.received(replies)
    }

    func closed(_ why: String) {
        settle(.failure(Failure.closed))
        connection.withLock { $0 }?.broke(why)
    }
}

/// The channel handler: frames to the inbox, and the end of the connection to it too.
private final class FastPathClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let inbox: FastPathInbox

    init(inbox: FastPathInbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try inbox.frame(unwrapInboundIn(data))
        } catch {
            inbox.closed("sent a malformed frame")
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.closed("has closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbox.closed("failed: \(error)")
        context.close(promise: nil)
    }
}
