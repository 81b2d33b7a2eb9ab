// One node's gRPC client, made and started on first use and kept for the life of the CofferClient,
// so that connection-bound logins and sessions stay on one HTTP/2 connection.

import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// The lazily started `GRPCClient` for one endpoint.
final class EndpointConnection: Sendable {
    typealias Transport = HTTP2ClientTransport.Posix

    let endpoint: Endpoint
    private let security: Transport.TransportSecurity
    private let running: Mutex<Running?> = Mutex(nil)
    private let closed = Atomic<Bool>(false)
    private let stream: Mutex<PipelineStream?> = Mutex(nil)

    private struct Running: Sendable {
        let client: GRPCClient<Transport>
        let task: Task<Void, Never>
    }

    init(endpoint: Endpoint, security: Transport.TransportSecurity) {
        self.endpoint = endpoint
        self.security = security
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

    /// The connection's pipeline stream, started now if there is none or the last one ended.
    func pipeline(deadline: Duration) throws(CofferClientError) -> PipelineStream {
        let client = try client()
        return stream.withLock { current in
            if let current, !current.hasEnded { return current }
            let started = PipelineStream(client: client, endpoint: endpoint, deadline: deadline)
            current = started
            return started
        }
    }

    /// Stops the client, letting calls in flight finish.
    func close() async {
        closed.store(true, ordering: .releasing)
        stream.withLock { $0 }?.close()
        let current = running.withLock { running in
            defer { running = nil }
            return running
        }
        guard let current else { return }
        current.client.beginGracefulShutdown()
        await current.task.value
    }

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
