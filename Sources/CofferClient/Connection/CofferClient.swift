// The Swift client of a Coffer cluster, used by the coffer CLI and the PKCS#11 library. It holds one
// lazily started gRPC client per endpoint, sends each call to the current endpoint and fails over on
// `unavailable`, and keeps what every request carries: the login token of each endpoint and the
// highest revision seen.

import CofferProtocol
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import NIOSSL
import SwiftProtobuf
import Synchronization

/// An async client of a Coffer cluster.
///
/// **TLS.** mTLS with the configured client certificate and key. The only trust root is the cluster
/// CA. The node's certificate must also name the endpoint's host (DNS name or IP address, checked
/// against its subjectAltName) unless `ClientConfiguration.verifiesHostname` is false: the cluster
/// CA issues client certificates too, so without the name check any holder of a client
/// certificate could pose as a node.
///
/// **Endpoint selection.** Sticky: calls go to one endpoint (picked at random, or the first listed:
/// `EndpointOrder`) until it fails with `unavailable`, then to the next. Clients spread over the
/// nodes, not a client's sessions: PKCS#11 session objects belong to the application and are seen by
/// all of its sessions, and they live on one node. Idempotent calls outside a session (see `RetryPolicy`) are
/// retried on the next endpoints at once; other calls fail with CKR_DEVICE_REMOVED and the next call
/// goes to the next endpoint. A login of `LOGIN_SCOPE_CONNECTION` and all sessions belong to the node
/// they were made on; after a failover the caller logs in and opens sessions again.
///
/// **Read-your-writes.** The highest `ResponseHeader.revision` seen is sent as
/// `RequestHeader.min_revision` on every call, so any node answers only once it has the caller's writes.
public final class CofferClient: Sendable {
    /// The configuration this client was made with.
    public let configuration: ClientConfiguration
    let connections: [EndpointConnection]
    let selection: EndpointSelection
    let state = Mutex(CallState())
    private let quorum = Mutex("")
    /// The health probe's task, once started (`startHealthProbes`).
    let probe = Mutex<Task<Void, Never>?>(nil)

    struct CallState: Sendable {
        var revision: Int64 = 0
        /// The token sent to endpoints without a login of their own (the CLI's, from its session file).
        var sharedToken = ""
        /// The logins made through this client, by endpoint: a login lives on its node.
        var tokens: [Int: String] = [:]
        /// Moves on whenever the logins end as a whole, so that a standby login finishing later is
        /// not kept (see `standbyLogin`).
        var loginEpoch = 0

        func token(for index: Int) -> String { tokens[index] ?? sharedToken }
    }

    /// Makes a client. No connection is opened until the first call.
    public init(configuration: ClientConfiguration) throws(ClientConfigurationError) {
        guard !configuration.endpoints.isEmpty else { throw .noEndpoints }
        self.configuration = configuration
        let security = HTTP2ClientTransport.Posix.TransportSecurity.mTLS(
            certificateChain: [.bytes(Array(configuration.clientCertificatePEM.utf8), format: .pem)],
            privateKey: .bytes(Array(configuration.clientKeyPEM.utf8), format: .pem)
        ) { tls in
            tls.trustRoots = .certificates([.bytes(Array(configuration.caCertificatePEM.utf8), format: .pem)])
            tls.serverCertificateVerification =
                configuration.verifiesHostname ? .fullVerification : .noHostnameVerification
        }
        let fastTLS = configuration.usesFastPath ? Self.fastPathTLS(configuration) : nil
        self.connections = configuration.endpoints.map {
            EndpointConnection(
                endpoint: $0, security: security, fastTLS: fastTLS, fastConnections: configuration.fastPathConnections)
        }
        let count = configuration.endpoints.count
        self.selection = EndpointSelection(
            count: count, start: configuration.endpointOrder == .spread ? Int.random(in: 0..<count) : 0)
    }

    /// The fast path's TLS context: the same certificate, key, trust root and name check as the gRPC
    /// connections, TLS 1.3 only, and its own ALPN protocol. nil (the fast path stays off) when the
    /// material does not load; the gRPC connection then reports the problem.
    private static func fastPathTLS(_ configuration: ClientConfiguration) -> NIOSSLContext? {
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv13
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(configuration.clientCertificatePEM.utf8))
                .map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(configuration.clientKeyPEM.utf8), format: .pem))
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(configuration.caCertificatePEM.utf8)))
            tls.certificateVerification = configuration.verifiesHostname ? .fullVerification : .noHostnameVerification
            tls.applicationProtocols = [FastPathFrame.applicationProtocol]
            return try NIOSSLContext(configuration: tls)
        } catch {
            return nil
        }
    }

    /// Loads the profile at `path` and makes a client from it.
    public convenience init(profileAt path: String) throws(ClientConfigurationError) {
        try self.init(configuration: ClientConfiguration.load(profileAt: path))
    }

    /// Closes every connection, letting calls in flight finish.
    public func close() async {
        probe.withLock { $0 }?.cancel()
        for connection in connections { await connection.close() }
    }

    /// The endpoint calls go to now.
    public var currentEndpoint: Endpoint { connections[selection.index].endpoint }

    /// How many fast-path connections to the current endpoint are attached (0 while pipeline calls go
    /// on the gRPC stream). The first pipeline call starts attaching them.
    public var fastPathConnections: Int { connections[selection.index].fastPathConnections }

    /// How many times calls have failed over (an endpoint was found unavailable). Sessions and
    /// connection-bound logins made when this had a lower value lived on a node that is gone.
    public var failovers: Int { selection.failovers }

    /// The highest store revision any reply has carried.
    public var highestRevision: Int64 { state.withLock { $0.revision } }

    /// Raises the revision sent as min_revision (for a caller that kept one from an earlier process).
    public func observe(revision: Int64) {
        state.withLock { $0.revision = max($0.revision, revision) }
    }

    /// The login token sent to the current endpoint ("" when logged out). `login` sets it for the
    /// endpoint it went to, `logout` clears it; set, it is sent to every endpoint without a login of
    /// its own (the CLI sets it from its session file).
    public var loginToken: String {
        get { state.withLock { $0.token(for: selection.index) } }
        set { state.withLock { $0.sharedToken = newValue } }
    }

    /// The quorum token sent with every call (docs/quorum.md): its approvals let the call's guarded
    /// command run once. Empty for none.
    public var quorumToken: String {
        get { quorum.withLock { $0 } }
        set { quorum.withLock { $0 = newValue } }
    }

    // MARK: Calls

    /// Sends a request that carries a RequestHeader: fills in token, session, min_revision and the
    /// request id of a call that creates objects (which makes it safe to send again, `RetryPolicy`).
    func call<Request: HeaderedRequest & Sendable, Response: RevisionedResponse & Sendable>(
        _ method: MethodDescriptor, _ request: Request, session: UInt64 = 0, requestID: RequestID? = nil
    ) async throws(CofferClientError) -> Response {
        var request = request
        request.header.session = session
        request.header.minRevision = highestRevision
        if let requestID { request.header.requestID = requestID.bytes }
        // A call that names its own token (a PKCS#11 session's) keeps it.
        if request.header.quorumToken.isEmpty { request.header.quorumToken = quorumToken }
        let retry = RetryPolicy.mayRetry(method, session: session, requestID: requestID != nil)
        return try await send(method, request, retry: retry) { request, token in
            request.header.loginToken = token
        }
    }

    /// Sends a request without a RequestHeader (status, unseal, login).
    func callWithoutHeader<Request: SwiftProtobuf.Message & Sendable, Response: RevisionedResponse & Sendable>(
        _ method: MethodDescriptor, _ request: Request
    ) async throws(CofferClientError) -> Response {
        try await send(method, request, retry: RetryPolicy.mayRetry(method, session: 0)) { _, _ in }
    }

    /// Sends `request` to the current endpoint (and the next ones when `retry`), each time with that
    /// endpoint's login token put in by `stamp`.
    private func send<Request: SwiftProtobuf.Message & Sendable, Response: RevisionedResponse & Sendable>(
        _ method: MethodDescriptor, _ request: Request, retry: Bool, stamp: (inout Request, String) -> Void
    ) async throws(CofferClientError) -> Response {
        let order = retry ? selection.attemptOrder() : [selection.index]
        var lastError: CofferClientError?
        for index in order {
            let connection = connections[index]
            var request = request
            stamp(&request, state.withLock { $0.token(for: index) })
            do {
                let response: Response = try await Self.unary(
                    connection, method, request, deadline: configuration.deadline)
                observe(revision: response.header.revision)
                return response
            } catch  where error.kind == .unreachable {
                lost(index)
                lastError = error
            }
        }
        throw lastError
            ?? CofferClientError(
                kind: .unreachable, returnCode: CofferReturnCode.deviceRemoved, message: "no endpoint to try")
    }

    /// Sends a single-part operation on the pipeline stream of the current endpoint and returns its
    /// output. Outside a session it is retried on the next endpoints when a node is unreachable, as the
    /// unary call would be (`RetryPolicy`); inside one it is not.
    func pipelined(_ call: Coffer_V1_PipelineCall, session: UInt64) async throws(CofferClientError) -> Data {
        let result = await withCheckedContinuation { continuation in
            pipelined(call, session: session) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// `pipelined(_:session:)` for a caller that cannot await (the PKCS#11 library's C threads): the
    /// call is queued at once and `completion` runs, once, on whichever thread the reply arrives.
    public func pipelined(
        _ call: Coffer_V1_PipelineCall, session: UInt64, completion: @escaping @Sendable (Result<Data, CofferClientError>) -> Void
    ) {
        pipelinedReply(call, session: session) { completion($0.map(\.output)) }
    }

    /// Sends a pipeline call and reports its successful reply, or the failure (a reply with a CKR
    /// other than CKR_OK is a `.rejected` failure), to `completion`, once.
    func pipelinedReply(
        _ call: Coffer_V1_PipelineCall, session: UInt64,
        completion: @escaping @Sendable (Result<Coffer_V1_PipelineReply, CofferClientError>) -> Void
    ) {
        if let refusal = Self.oversized(FastPathConnection.dataLength(of: call)) { return completion(.failure(refusal)) }
        var header = Coffer_V1_RequestHeader()
        header.session = session
        header.minRevision = highestRevision
        let order = session == 0 ? selection.attemptOrder() : [selection.index]
        attempt(call, header: header, order: order[...], lastError: nil, completion: completion)
    }

    /// `call` with `header` in whichever request it carries.
    private static func stamped(_ call: Coffer_V1_PipelineCall, _ header: Coffer_V1_RequestHeader) -> Coffer_V1_PipelineCall {
        var call = call
        switch call.request {
        case .sign(var request)?: request.header = header; call.sign = request
        case .verify(var request)?: request.header = header; call.verify = request
        case .encrypt(var request)?: request.header = header; call.encrypt = request
        case .decrypt(var request)?: request.header = header; call.decrypt = request
        case .find(var request)?: request.header = header; call.find = request
        case nil: break
        }
        return call
    }

    /// Sends `call` to the first endpoint of `order` (with that endpoint's login token in `header`),
    /// moving on to the next when it is unreachable.
    private func attempt(
        _ unstamped: Coffer_V1_PipelineCall, header: Coffer_V1_RequestHeader, order: ArraySlice<Int>,
        lastError: CofferClientError?,
        completion: @escaping @Sendable (Result<Coffer_V1_PipelineReply, CofferClientError>) -> Void
    ) {
        guard let index = order.first else {
            return completion(
                .failure(
                    lastError
                        ?? CofferClientError(
                            kind: .unreachable, returnCode: CofferReturnCode.deviceRemoved, message: "no endpoint to try")))
        }
        let connection = connections[index]
        var stamp = header
        stamp.loginToken = state.withLock { $0.token(for: index) }
        let call = Self.stamped(unstamped, stamp)
        let stream: any PipelineSender
        do {
            stream = try connection.pipeline(deadline: configuration.deadline)
        } catch where error.kind == .unreachable {
            lost(index)
            return attempt(unstamped, header: header, order: order.dropFirst(), lastError: error, completion: completion)
        } catch {
            return completion(.failure(error))
        }
        stream.send(call) { outcome in
            switch outcome {
            case .success(let reply):
                self.observe(revision: reply.revision)
                guard reply.returnCode == CofferReturnCode.ok else {
                    return completion(
                        .failure(
                            CofferClientError(
                                kind: .rejected, returnCode: UInt(reply.returnCode), message: reply.message,
                                endpoint: connection.endpoint, loginUnknown: reply.loginUnknown)))
                }
                completion(.success(reply))
            case .failure(let error) where error.kind == .unreachable:
                self.lost(index)
                self.attempt(unstamped, header: header, order: order.dropFirst(), lastError: error, completion: completion)
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// CKR_DATA_LEN_RANGE for an operation's input longer than a node takes in one call, before it is
    /// sent (gRPC would otherwise refuse the message with a reset stream, which reads as a lost node).
    static func oversized(_ length: Int) -> CofferClientError? {
        guard length > CofferWire.maxDataBytes else { return nil }
        return CofferClientError(
            kind: .rejected, returnCode: CofferReturnCode.dataLenRange,
            message: "the input is \(length) bytes; a node takes at most \(CofferWire.maxDataBytes) bytes per call (feed more through a multi-part operation's updates)")
    }

    /// Throws `oversized(length)`'s refusal, if any.
    static func checkDataLength(_ length: Int) throws(CofferClientError) {
        if let refusal = oversized(length) { throw refusal }
    }

    /// Endpoint `index` could not be reached or its connection broke: calls move on to the next one,
    /// and the login made on that connection is gone with it.
    func lost(_ index: Int) {
        selection.failed(index)
        state.withLock { _ = $0.tokens.removeValue(forKey: index) }
    }

    static func unary<Request: SwiftProtobuf.Message & Sendable, Response: SwiftProtobuf.Message & Sendable>(
        _ connection: EndpointConnection, _ method: MethodDescriptor, _ request: Request, deadline: Duration
    ) async throws(CofferClientError) -> Response {
        let abandoned = connection.abandonedCount
        let client = try connection.client()
        var options = CallOptions.defaults
        options.timeout = deadline
        options.waitForReady = false
        // grpc-swift's HTTP/2 transport bounds the messages a call receives by its request limit too:
        // both are the reply limit (what is sent is bounded before, `oversized`, and by the node).
        options.maxRequestMessageBytes = CofferWire.maxReplyBytes
        options.maxResponseMessageBytes = CofferWire.maxReplyBytes
        do {
            return try await client.unary(
                request: ClientRequest(message: request),
                descriptor: method,
                serializer: ProtobufSerializer<Request>(),
                deserializer: ProtobufDeserializer<Response>(),
                options: options
            ) { response in try response.message }
        } catch {
            if connection.abandonedCount != abandoned {
                throw CofferClientError(
                    kind: .unreachable, returnCode: CofferReturnCode.deviceRemoved,
                    message: "node \(connection.endpoint) stopped answering its health probes", endpoint: connection.endpoint)
            }
            throw CofferClientError.mapping(error, endpoint: connection.endpoint)
        }
    }
}
