// One node's gRPC client, made and started on first use and kept for the life of the CofferClient,
// so that connection-bound logins and sessions stay on one HTTP/2 connection. Pipeline calls go on
// the node's fast path once it is attached, and on the gRPC Pipeline stream until then or without it.

import CofferProtocol
import GRPCCore
import GRPCNIOTransportHTTP2
import NIOSSL
import Synchronization

/// The lazily started `GRPCClient` for one endpoint.
final class EndpointConnection: Sendable {
    typealias Transport = HTTP2ClientTransport.Posix

    let endpoint: Endpoint
    private let security: Transport.TransportSecurity
    private let running: Mutex<Running?> = Mutex(nil)
    private let closed = Atomic<Bool>(false)
    /// How many times the connection was abandoned (`abandon`); a call made before the last time
    /// failed because of it.
    private let abandonments = Atomic<Int>(0)
    private let stream: Mutex<PipelineStream?> = Mutex(nil)
    private let fastTLS: NIOSSLContext?
    private let fastConnections: Int
    private let fast = Mutex(FastPathSlot())

    /// How long after a failed attempt to open the fast path the next one may start.
    static let fastPathRetry: Duration = .seconds(30)

    private struct FastPathSlot {
        var connections: [FastPathConnection] = []
        var opening = false
        var retryAfter: ContinuousClock.Instant?
        /// The node refused the fast path; this client does not ask again.
        var refused = false
    }

    private struct Running: Sendable {
        let client: GRPCClient<Transport>
        let task: Task<Void, Never>
    }

    /// - Parameters:
    ///   - fastTLS: the client's TLS context for the fast path; nil leaves it off.
    ///   - fastConnections: how many fast-path connections to attach.
    init(endpoint: Endpoint, security: Transport.TransportSecurity, fastTLS: NIOSSLContext?, fastConnections: Int = 1) {
        self.endpoint = endpoint
        self.security = security
        self.fastTLS = fastTLS
        self.fastConnections = fastConnections
    }

    /// The running client, started now if this is the first call.
    func client() throws(CofferClientError) -> GRPCClient<Transport> {
        if closed.load(ordering: .acquiring) {
            throw CofferClientError(
                kind: .transport, returnCode: CofferReturnCode.deviceError, message: "the client is closed",
                endpoint: endpoint)
        }
        let result: Result<GRPCClient<Transport>, CofferClientError> = running.withLock { running in
            if let running { return .success(running.client) }
            do {
                let transport = try Transport(target: Self.target(endpoint), transportSecurity: security)
                let client = GRPCClient(transport: transport)
                let task = Task { _ = try? await client.runConnections() }
                running = Running(client: client, task: task)
                return .success(client)
            } catch {
                return .failure(CofferClientError.mapping(error, endpoint: endpoint))
            }
        }
        return try result.get()
    }

    /// Where the next pipeline call goes: the least busy fast-path connection when the fast path is
    /// attached, or else the connection's pipeline stream, started now if there is none or the last
    /// one ended (and an attempt to attach the fast path begins, when one is due).
    func pipeline(deadline: Duration) throws(CofferClientError) -> any PipelineSender {
        if let fast = fastPath(deadline: deadline) { return fast }
        let client = try client()
        return stream.withLock { current in
            if let current, !current.hasEnded { return current }
            let started = PipelineStream(client: client, endpoint: endpoint, deadline: deadline)
            current = started
            return started
        }
    }

    /// The least busy attached fast-path connection, or nil; starts attaching when that is due.
    private func fastPath(deadline: Duration) -> FastPathConnection? {
        guard let fastTLS, !closed.load(ordering: .acquiring) else { return nil }
        let (best, start) = fast.withLock { slot -> (FastPathConnection?, Bool) in
            if slot.connections.contains(where: \.hasEnded) { slot.connections.removeAll { $0.hasEnded } }
            if let best = slot.connections.min(by: { $0.inFlight < $1.inFlight }) { return (best, false) }
            guard !slot.refused, !slot.opening, slot.retryAfter.map({ ContinuousClock.now >= $0 }) ?? true else {
                return (nil, false)
            }
            slot.opening = true
            return (nil, true)
        }
        if start { Task { await self.openFastPath(fastTLS, deadline: deadline) } }
        return best
    }

    /// How many fast-path connections are attached and open.
    var fastPathConnections: Int {
        fast.withLock { slot in slot.connections.count(where: { !$0.hasEnded }) }
    }

    /// Asks the node for tickets on this connection and attaches a fast-path connection with each.
    private func openFastPath(_ tls: NIOSSLContext, deadline: Duration) async {
        var opened: [FastPathConnection] = []
        var refused = false
        do {
            var request = Coffer_V1_OpenFastPathRequest()
            request.connections = UInt32(fastConnections)
            let response: Coffer_V1_OpenFastPathResponse = try await CofferClient.unary(
                self, Coffer_V1_TokenService.Method.OpenFastPath.descriptor, request, deadline: deadline)
            for ticket in response.tickets {
                opened.append(
                    try await FastPathConnection.open(
                        endpoint: endpoint, port: Int(response.port), ticket: Array(ticket), tls: tls, deadline: deadline))
            }
        } catch {
            // A node without the fast path (or one that refuses it) answers with a CKR; the gRPC stream serves.
            refused = (error as? CofferClientError)?.kind == .rejected
            for connection in opened { connection.close() }
            opened = []
        }
        let kept = fast.withLock { slot -> Bool in
            slot.opening = false
            guard !closed.load(ordering: .acquiring) else { return false }
            if opened.isEmpty {
                if refused { slot.refused = true } else { slot.retryAfter = .now + Self.fastPathRetry }
            } else {
                slot.connections = opened
                slot.retryAfter = nil
            }
            return true
        }
        if !kept { for connection in opened { connection.close() } }
    }

    /// Whether a gRPC client is running (a call has been made since the start or the last `abandon`).
    var isStarted: Bool { running.withLock { $0 != nil } }

    /// How many times the connection was abandoned so far: taken before a call, it tells whether a
    /// failure of that call came from `abandon`.
    var abandonedCount: Int { abandonments.load(ordering: .acquiring) }

    /// Drops the node at once (it stopped answering): the gRPC client is stopped without waiting for
    /// calls in flight, and the pipeline stream and fast-path connections are closed, so every call
    /// waiting on this node fails now as unreachable instead of at its deadline. The next call
    /// connects afresh.
    func abandon() {
        abandonments.add(1, ordering: .releasing)
        stream.withLock { current in
            defer { current = nil }
            return current
        }?.close()
        let attached = fast.withLock { slot in
            defer { slot.connections = [] }
            return slot.connections
        }
        for connection in attached { connection.close() }
        let current = running.withLock { running in
            defer { running = nil }
            return running
        }
        // Cancelling the task that runs the connections fails the RPCs in flight.
        current?.task.cancel()
    }

    /// Stops the client, letting calls in flight finish.
    func close() async {
        closed.store(true, ordering: .releasing)
        stream.withLock { $0 }?.close()
        for connection in fast.withLock({ $0.connections }) { connection.close() }
        let current = running.withLock { running in
            defer { running = nil }
            return running
        }
        guard let current else { return }
        current.client.beginGracefulShutdown()
        // Bounded: a transport that does not wind down (seen once, after a node moved from its join
        // listener to mutual TLS on the same port under the CLI's closing connection) is cancelled,
        // so that no command hangs on its way out.
        let task = current.task
        let limit = Task {
            try? await Task.sleep(for: Self.closeLimit)
            if !Task.isCancelled { task.cancel() }
        }
        await task.value
        limit.cancel()
    }

    /// How long `close` waits for the connections to wind down before it cancels them.
    static let closeLimit: Duration = .seconds(5)

    private static func target(_ endpoint: Endpoint) -> any ResolvableTarget {
        if endpoint.isIPv4 {
            let target: ResolvableTargets.IPv4 = .ipv4(address: endpoint.host, port: endpoint.port)
            return target
        }
        if endpoint.isIPv6 {
            let target: ResolvableTargets.IPv6 = .ipv6(address: endpoint.host, port: endpoint.port)
            return target
        }
        let target: ResolvableTargets.DNS = .dns(host: endpoint.host, port: endpoint.port)
        return target
    }
}
