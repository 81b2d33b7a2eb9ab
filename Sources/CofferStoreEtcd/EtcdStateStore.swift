// The StateStore over etcd's v3 gRPC API: reads are linearizable Range calls, writes are Txn calls
// with the store's compares, compaction is etcd's, and watches are etcd watches (in
// EtcdStateStore+Watch.swift). Every key lives under the configured prefix; revisions are etcd's.

import CofferState
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// A `StateStore` on an etcd cluster (etcd 3.4 or later), under a key prefix.
///
/// Revisions are etcd's global revisions: a store sharing its etcd with other prefixes sees them
/// grow with every writer's transactions, and etcd's first revision is 1, not 0. Compaction is
/// etcd's too, and therefore compacts every prefix of that etcd. Transactions over `limits` are
/// refused before they are sent.
public final class EtcdStateStore: StateStore {
    typealias Transport = HTTP2ClientTransport.Posix

    /// The configuration the store was opened with.
    public let configuration: EtcdConfiguration
    let keyspace: EtcdKeyspace
    let client: GRPCClient<Transport>
    private let connections: Task<Void, Never>
    let kv: Etcdserverpb_KV.Client<Transport>
    let watchService: Etcdserverpb_Watch.Client<Transport>
    let auth: Etcdserverpb_Auth.Client<Transport>
    let state = Mutex(State())

    /// The bytes etcd adds to a transaction (its raft header) before checking `--max-request-bytes`.
    static let requestOverheadBytes = 512

    struct State {
        var closed = false
        var token: String?
        /// The newest revision any reply carried: where a watch "from now" starts.
        var seenRevision: Int64 = 0
        /// When a call was first refused for want of a leader, since the last call that succeeded.
        var leaderlessSince: ContinuousClock.Instant?
        var watches: [Int: OpenWatch] = [:]
        var nextWatch = 0
    }

    struct OpenWatch {
        var continuation: AsyncThrowingStream<[WatchEvent], Error>.Continuation
        var task: Task<Void, Never>?
    }

    /// What one transaction may hold: the configured etcd limits.
    public var limits: StoreLimits { configuration.limits }

    /// Opens a store on the etcd members of `configuration`. No call is made yet; the first
    /// operation connects (and fails with `StoreError.unavailable` if no member answers).
    public init(configuration: EtcdConfiguration) throws(EtcdConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
        self.keyspace = EtcdKeyspace(prefix: configuration.prefix)
        let transport: Transport
        do {
            transport = try Transport(
                target: try Self.target(configuration.endpoints),
                transportSecurity: try Self.security(configuration.tls),
                // Round-robin, as etcd's own client: grpc-swift's pick-first uses only the first of
                // several resolved endpoints, so it would never fail over.
                serviceConfig: ServiceConfig(loadBalancingConfig: [.roundRobin]))
        } catch let error as EtcdConfigurationError {
            throw error
        } catch {
            throw .transport(EtcdFailure.printable(String(describing: error)))
        }
        let client = GRPCClient(transport: transport)
        self.client = client
        self.connections = Task { try? await client.runConnections() }
        self.kv = Etcdserverpb_KV.Client(wrapping: client)
        self.watchService = Etcdserverpb_Watch.Client(wrapping: client)
        self.auth = Etcdserverpb_Auth.Client(wrapping: client)
    }

    private static func target(_ endpoints: [EtcdConfiguration.Endpoint]) throws(EtcdConfigurationError)
        -> any ResolvableTarget
    {
        let pairs = endpoints.map { (host: $0.host, port: $0.port) }
        switch try EtcdConfiguration.addressFamily(of: endpoints) {
        case .ipv4: return .ipv4(pairs: pairs)
        case .ipv6: return .ipv6(pairs: pairs)
        case .dns: return .dns(host: endpoints[0].host, port: endpoints[0].port)
        }
    }

    private static func security(_ tls: EtcdConfiguration.TLS?) throws(EtcdConfigurationError)
        -> Transport.TransportSecurity
    {
        guard let tls else { return .plaintext }
        let configure: (inout HTTP2ClientTransport.Posix.TransportSecurity.TLS) -> Void = { config in
            config.trustRoots = .certificates([.bytes(Array(tls.trustRootsPEM.utf8), format: .pem)])
            config.serverCertificateVerification = tls.verifiesHostname ? .fullVerification : .noHostnameVerification
        }
        switch (tls.clientCertificatePEM, tls.clientKeyPEM) {
        case (nil, nil):
            return .tls(configure: configure)
        case (let certificate?, let key?):
            return .mTLS(
                certificateChain: [.bytes(Array(certificate.utf8), format: .pem)],
                privateKey: .bytes(Array(key.utf8), format: .pem), configure: configure)
        default:
            throw .incompleteClientCertificate
        }
    }

    // MARK: StateStore

    public func currentRevision() async throws -> Int64 {
        var request = Etcdserverpb_RangeRequest()
        // Any key does: only the header's revision is read. The bare prefix is never a store key.
        request.key = keyspace.prefix.isEmpty ? Data([0x00]) : Data(keyspace.prefix)
        request.countOnly = true
        let response = try await call { [request] metadata, options in
            try await self.kv.range(request, metadata: metadata, options: options)
        }
        return try revision(of: response.header, hasHeader: response.hasHeader)
    }

    public func get(_ key: [UInt8], at revision: Int64?) async throws -> KeyValue? {
        try checkOpen()
        guard !(keyspace.prefix + key).isEmpty else { return nil }
        var request = Etcdserverpb_RangeRequest()
        request.key = keyspace.etcdKey(key)
        request.revision = Self.etcdRevision(revision)
        let response = try await read(request, at: revision)
        guard response.kvs.count <= 1 else { throw StoreError.backend("etcd returned several values for one key") }
        let exact = StoreKeyRange(prefix: key)
        guard let kv = response.kvs.first else { return nil }
        let read = try keyspace.keyValue(kv, in: exact, notAfter: revision ?? response.header.revision)
        guard read.key == key else { throw StoreError.backend("etcd returned another key than the one asked for") }
        return read
    }

    public func range(
        prefix: [UInt8], startKey: [UInt8]?, at revision: Int64?, limit: Int?
    ) async throws -> RangeResult {
        let range = StoreKeyRange(prefix: prefix, startKey: startKey)
        var request = Etcdserverpb_RangeRequest()
        (request.key, request.rangeEnd) = keyspace.etcdRange(range)
        request.revision = Self.etcdRevision(revision)
        if let limit, limit > 0 { request.limit = Int64(limit) }
        let response = try await read(request, at: revision)
        let readAt = try revision ?? self.revision(of: response.header, hasHeader: response.hasHeader)
        var keyValues: [KeyValue] = []
        keyValues.reserveCapacity(response.kvs.count)
        for kv in response.kvs {
            let read = try keyspace.keyValue(kv, in: range, notAfter: readAt)
            if let last = keyValues.last, !last.key.lexicographicallyPrecedes(read.key) {
                throw StoreError.backend("etcd returned keys out of order")
            }
            keyValues.append(read)
        }
        if request.limit > 0, keyValues.count > request.limit {
            throw StoreError.backend("etcd returned more keys than the limit")
        }
        return RangeResult(keyValues: keyValues, revision: readAt, more: response.more)
    }

    public func transact(
        compare: [StoreCompare], success: [StoreOperation], failure: [StoreOperation]
    ) async throws -> TransactionResult {
        try checkOpen()
        // etcd refuses a malformed branch whichever branch applies, so both are checked here.
        try StoreOperation.validate(success)
        try StoreOperation.validate(failure)
        try limits.checkOperations(compare: compare, success: success, failure: failure)
        var request = Etcdserverpb_TxnRequest()
        request.compare = compare.map(etcdCompare)
        request.success = success.map(etcdOperation)
        request.failure = failure.map(etcdOperation)
        let bytes: [UInt8] = try request.serializedBytes()
        try limits.checkRequestBytes(bytes.count + Self.requestOverheadBytes)
        let response = try await call { [request] metadata, options in
            try await self.kv.txn(request, metadata: metadata, options: options)
        }
        return TransactionResult(
            succeeded: response.succeeded, revision: try revision(of: response.header, hasHeader: response.hasHeader))
    }

    public func compact(before revision: Int64) async throws {
        var request = Etcdserverpb_CompactionRequest()
        request.revision = revision
        // Physical: return once the old revisions are gone, so that a read after it cannot reach them.
        request.physical = true
        do {
            _ = try await call { [request] metadata, options in
                try await self.kv.compact(request, metadata: metadata, options: options)
            }
        } catch EtcdFailure.compacted {
            throw StoreError.compacted(requested: revision, compactRevision: try await compactRevision(below: revision))
        } catch EtcdFailure.futureRevision {
            throw StoreError.futureRevision(requested: revision, current: try await currentRevision())
        }
    }

    public func close() async {
        let watches = state.withLock { state in
            state.closed = true
            let open = Array(state.watches.values)
            state.watches.removeAll()
            return open
        }
        for watch in watches {
            watch.task?.cancel()
            watch.continuation.finish()
        }
        client.beginGracefulShutdown()
        connections.cancel()
    }

    // MARK: Calls

    /// A Range at `revision`, with etcd's compaction and future-revision errors made the store's.
    private func read(_ request: Etcdserverpb_RangeRequest, at revision: Int64?) async throws
        -> Etcdserverpb_RangeResponse
    {
        do {
            return try await Self.repeatingUnavailable {
                try await self.call { [request] metadata, options in
                    try await self.kv.range(request, metadata: metadata, options: options)
                }
            }
        } catch EtcdFailure.compacted {
            let requested = revision ?? 0
            throw StoreError.compacted(
                requested: requested, compactRevision: try await compactRevision(below: requested))
        } catch EtcdFailure.futureRevision {
            throw StoreError.futureRevision(requested: revision ?? 0, current: try await currentRevision())
        }
    }

    /// How often a read is made when etcd is unreachable, counting the first.
    static let readAttempts = 3

    /// Runs `read` again when it fails with `StoreError.unavailable`, up to `readAttempts` times in
    /// all, 100 ms apart and then 200 ms: a read changes nothing, so it may be made again, as etcd's
    /// own client repeats its reads. One member's connection closing under a call (a member killed
    /// or restarted: "Stream unexpectedly closed") then costs a retry on another member, not a failed
    /// call. Any other failure, and the last attempt's, is thrown.
    static func repeatingUnavailable<Response>(_ read: () async throws -> Response) async throws -> Response {
        var attempt = 1
        while true {
            do {
                return try await read()
            } catch StoreError.unavailable(let why) {
                guard attempt < readAttempts else { throw StoreError.unavailable(why) }
                try? await Task.sleep(for: .milliseconds(100 * attempt))
                attempt += 1
            }
        }
    }

    /// etcd's revision for a read at `revision`: 0 (etcd's "latest") for nil, and etcd's first
    /// revision, 1, before which nothing exists, for 0 or less.
    static func etcdRevision(_ revision: Int64?) -> Int64 {
        guard let revision else { return 0 }
        return max(revision, 1)
    }

    /// Runs one call with the auth token (authenticating first, and once more if etcd says the
    /// token is no longer valid) and the configured deadline. Throws only `StoreError`s, except
    /// `EtcdFailure.compacted` and `.futureRevision`, which the caller turns into store errors.
    func call<Response: Sendable>(
        _ body: @Sendable (Metadata, CallOptions) async throws -> Response
    ) async throws -> Response {
        var options = CallOptions.defaults
        options.timeout = configuration.callTimeout
        options.maxResponseMessageBytes = configuration.maxReplyBytes
        var retried = false
        while true {
            try checkOpen()
            let metadata = try await authMetadata()
            do {
                let response = try await body(metadata, options)
                state.withLock { $0.leaderlessSince = nil }
                return response
            } catch {
                // Refused before it was handled, so safe to make again: for as long as an election
                // lasts, counted from the first refusal of any call. Once etcd has been without a
                // leader for longer, every call fails at its first refusal.
                if EtcdFailure.refusedForNoLeader(error), !isClosed {
                    let now = ContinuousClock.now
                    let since = state.withLock { state in
                        if state.leaderlessSince == nil { state.leaderlessSince = now }
                        return state.leaderlessSince ?? now
                    }
                    if now < since.advanced(by: configuration.leaderPatience) {
                        try? await Task.sleep(for: .milliseconds(100))
                        continue
                    }
                }
                let failure = EtcdFailure(error)
                switch failure {
                case .invalidToken where !retried && configuration.credentials != nil:
                    retried = true
                    state.withLock { $0.token = nil }
                case .invalidToken:
                    throw StoreError.backend("etcd refused the credentials (auth is on; set or check them)")
                case .compacted, .futureRevision:
                    throw failure
                case .store(let error):
                    if isClosed { throw StoreError.closed }
                    throw error
                }
            }
        }
    }

    /// The metadata every call carries: etcd's auth token when credentials are configured, and
    /// "hasleader: true", which makes a member without a leader refuse the call at once ("no
    /// leader") instead of holding a write until etcd's own request timeout, and end a watch when it
    /// loses its leader (the watch is then opened again, on a member that has one).
    func authMetadata() async throws -> Metadata {
        guard let credentials = configuration.credentials else { return Self.metadata(token: nil) }
        if let token = state.withLock({ $0.token }) { return Self.metadata(token: token) }
        var request = Etcdserverpb_AuthenticateRequest()
        request.name = credentials.username
        request.password = credentials.password
        var options = CallOptions.defaults
        options.timeout = configuration.callTimeout
        let response: Etcdserverpb_AuthenticateResponse
        do {
            response = try await auth.authenticate(request, options: options)
        } catch {
            // The error never echoes the request, so the password stays out of it.
            if case .store(let storeError) = EtcdFailure(error) { throw storeError }
            throw StoreError.backend("etcd refused the credentials")
        }
        let token = response.token
        guard !token.isEmpty, token.utf8.count <= 4096,
            token.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else {
            throw StoreError.backend("etcd returned a malformed auth token")
        }
        state.withLock { $0.token = token }
        return Self.metadata(token: token)
    }

    private static func metadata(token: String?) -> Metadata {
        var metadata = Metadata()
        metadata.addString("true", forKey: "hasleader")
        if let token { metadata.addString(token, forKey: "token") }
        return metadata
    }

    /// The revision of a reply's header, recorded as seen; a backend error when it is missing.
    func revision(of header: Etcdserverpb_ResponseHeader, hasHeader: Bool) throws -> Int64 {
        guard hasHeader, header.revision >= 1 else { throw StoreError.backend("etcd sent a reply without a revision") }
        state.withLock { $0.seenRevision = max($0.seenRevision, header.revision) }
        return header.revision
    }

    func checkOpen() throws {
        if isClosed { throw StoreError.closed }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    private func etcdCompare(_ compare: StoreCompare) -> Etcdserverpb_Compare {
        var etcd = Etcdserverpb_Compare()
        etcd.result = .equal
        switch compare {
        case .modRevision(let key, let revision):
            etcd.key = keyspace.etcdKey(key)
            etcd.target = .mod
            etcd.targetUnion = .modRevision(revision)
        case .version(let key, let version):
            etcd.key = keyspace.etcdKey(key)
            etcd.target = .version
            etcd.targetUnion = .version(version)
        }
        return etcd
    }

    private func etcdOperation(_ operation: StoreOperation) -> Etcdserverpb_RequestOp {
        var etcd = Etcdserverpb_RequestOp()
        switch operation {
        case .put(let key, let value):
            var put = Etcdserverpb_PutRequest()
            put.key = keyspace.etcdKey(key)
            put.value = Data(value)
            etcd.request = .requestPut(put)
        case .delete(let key):
            var delete = Etcdserverpb_DeleteRangeRequest()
            delete.key = keyspace.etcdKey(key)
            etcd.request = .requestDeleteRange(delete)
        }
        return etcd
    }
}
