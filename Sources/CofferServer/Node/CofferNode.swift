// One running node: the bootstrap listener while never initialized, then the mTLS listener with the
// services, until a graceful shutdown. cofferd builds it; tests can too.

import CofferState
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Synchronization

/// A node's serving life over one opened state.
public final class CofferNode: Sendable {
    /// The node software's version, in GetStatus.
    public static let version = "0.1.0"

    /// What the node tells its operator (cofferd prints these).
    public enum Event: Sendable {
        /// Dev mode has initialized or unsealed the node, which listens on `endpoint`.
        case dev(DevCredentials, endpoint: String)
        /// The bootstrap listener is up: pin `fingerprint` (SHA-256 of `certificatePath`) and call Initialize.
        case bootstrapListening(endpoint: String, certificatePath: String, fingerprint: String)
        /// Initialize succeeded; the node is moving to mTLS.
        case initialized
        /// The store is initialized but this node has no credentials yet: the join listener is up
        /// (pin `fingerprint`, the SHA-256 of `certificatePath`) and takes Unseal.
        case joinListening(endpoint: String, certificatePath: String, fingerprint: String)
        /// The node was unsealed on the join listener and issued its own certificate; it is moving to mTLS.
        case joined
        /// The mTLS listener is up.
        case listening(endpoint: String, sealed: Bool)
        /// The domain key from peer `peer` unsealed the node (no shares).
        case unsealedByPeer(peer: String)
        /// The node joined as `name` with its join credential, through `peer`, replacing `replaced`.
        case joinedWithCredential(name: String, peer: String, replaced: String?)
    }

    public let configuration: NodeConfiguration
    public let directory: DataDirectory
    public let state: StateMachine
    let logger: Logger
    private let control = Mutex(Control())

    /// How often a node offering to bootstrap looks whether a peer initialized the cluster.
    static let peerInitializationPoll: Duration = .milliseconds(250)

    private struct Control {
        var shuttingDown = false
        var initialized = false
        /// Another node on the same store initialized the cluster while this one offered to.
        var initializedByPeer = false
        var joined = false
        var stopCurrent: (@Sendable () -> Void)?
    }

    /// The store's cluster (etcd) when the node runs on one, for GetStatus.
    let replicatedStore: (any ReplicatedStateStore)?
    let startedAt = ContinuousClock.now

    public init(
        configuration: NodeConfiguration, state: StateMachine, logger: Logger,
        replicatedStore: (any ReplicatedStateStore)? = nil
    ) {
        self.replicatedStore = replicatedStore
        self.configuration = configuration
        self.directory = DataDirectory(path: configuration.dataDirectory)
        self.state = state
        self.logger = logger
    }

    /// Serves until `shutdown()`; returns once every listener has drained.
    public func run(announce: @escaping @Sendable (Event) -> Void) async throws {
        try directory.create()
        let nodeID = try directory.loadOrCreateNodeID()
        var nodeLogger = self.logger
        nodeLogger[metadataKey: "node"] = "\(nodeID)"
        let logger = nodeLogger
        var info = NodeInfo(
            nodeID: nodeID, version: Self.version, clusterName: configuration.clusterName, startedAt: startedAt,
            replicatedStore: replicatedStore)
        info.backupScheduler = configuration.backupSchedule.map { BackupScheduler(schedule: $0, nodeName: nodeID, logger: logger) }
        let identity = try NodeIdentity.loadOrCreate(in: directory)
        info.identity = identity
        info.binarySHA256 = NodeIdentity.executableDigest()
        logger.notice(
            "node identity", metadata: ["signing_key": "\(identity.signingPublicKey)", "binary_sha256": "\(info.binarySHA256)"])
        let node = info
        let dev: DevCredentials? =
            configuration.dev
            ? try await DevMode.prepare(
                state: state, configuration: configuration, directory: directory, nodeID: nodeID, logger: logger)
            : nil
        var port = configuration.listen.port

        if state.status == .uninitialized {
            let certificate = try BootstrapCertificate.make(configuration: configuration, in: directory)
            let listener = try TLSListener(
                host: configuration.listen.host, port: port, certificateChain: [certificate.certificate],
                privateKey: certificate.privateKey, clientCertificates: .none)
            let bootstrap = BootstrapService(
                state: state, configuration: configuration, directory: directory, nodeID: nodeID, logger: logger
            ) { [weak self] in
                self?.control.withLock { $0.initialized = true }
                self?.stopCurrent()
            }
            let fingerprint = try certificate.certificate.sha256Fingerprint
            // A peer on the same store may initialize the cluster meanwhile (its seal configuration
            // reaches this node's state machine, which turns sealed): this node has nothing left to
            // bootstrap and moves to the join listener, without a restart.
            let peerWatch = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.peerInitializationPoll)
                    guard let self else { return }
                    guard case .sealed = self.state.status else { continue }
                    let byPeer = self.control.withLock { control -> Bool in
                        guard !control.initialized else { return false }
                        control.initializedByPeer = true
                        return true
                    }
                    if byPeer { self.stopCurrent() }
                    return
                }
            }
            defer { peerWatch.cancel() }
            guard
                let bound = try await serve(
                    listener, services: [bootstrap, BootstrapStatusService(state: state, node: node)], logger: logger,
                    onListening: { endpoint in
                        logger.notice(
                            "bootstrap listener up",
                            metadata: ["endpoint": "\(endpoint)", "fingerprint": "\(fingerprint)"])
                        announce(
                            .bootstrapListening(
                                endpoint: endpoint, certificatePath: self.directory.bootstrapCertificate,
                                fingerprint: fingerprint))
                    })
            else { return }
            let (initialized, initializedByPeer) = control.withLock { ($0.initialized, $0.initializedByPeer) }
            if initialized {
                announce(.initialized)
                try? FileManager.default.removeItem(atPath: directory.bootstrap)
            } else if initializedByPeer {
                logger.notice("a peer initialized the cluster; this node joins it")
            } else {
                return
            }
            port = bound
        }

        var loaded = try NodeCredentials.load(from: directory)
        if loaded == nil, let path = configuration.joinCredential, case .sealed = state.status {
            let credential = try JoinCredentialFile.load(path)
            logger.notice("joining the cluster with a join credential", metadata: ["name": "\(credential.name)"])
            let joiner = NodeJoiner(
                state: state, node: node, identity: identity, configuration: configuration, directory: directory,
                credential: credential, logger: logger)
            guard let joined = try await joiner.run(stopped: { [weak self] in self?.control.withLock { $0.shuttingDown } ?? true })
            else { return }
            logger.notice(
                "joined the cluster", metadata: ["name": "\(joined.name)", "peer": "\(joined.peer)", "replaced": "\(joined.replaced ?? "none")"])
            announce(.joinedWithCredential(name: joined.name, peer: joined.peer, replaced: joined.replaced))
            loaded = joined.credentials
        }
        if loaded == nil, case .sealed = state.status {
            guard let (joined, bound) = try await join(node: node, port: port, logger: logger, announce: announce)
            else { return }
            loaded = joined
            port = bound
        }
        guard let credentials = loaded else { throw DataDirectoryError.missing(directory.tls) }
        let coffer = CofferServices(
            state: state, node: node, loginIdleTimeout: configuration.loginIdleTimeout, logger: logger)
        // A closed connection takes its sessions, their objects and its connection-bound logins with it.
        let listener = try TLSListener(
            host: configuration.listen.host, port: port, certificateChain: [credentials.certificate],
            privateKey: credentials.privateKey, clientCertificates: .required(credentials.ca),
            onClose: { [coffer] connection in coffer.connectionClosed(connection) })
        let services = coffer.services
        var fastPath: FastPathListener?
        if configuration.fastPath {
            // Bound first, on any free port when none is configured: the kernel may hand it the gRPC
            // listener's own port, not bound yet (that node then failed with "address already in use").
            for _ in 0..<8 {
                let bound = try await FastPathListener.bind(
                    host: configuration.listen.host, port: configuration.fastPathPort,
                    certificateChain: [credentials.certificate], privateKey: credentials.privateKey, ca: credentials.ca,
                    services: coffer)
                guard configuration.fastPathPort == 0, port != 0, bound.port == port else {
                    fastPath = bound
                    break
                }
                await bound.close()
            }
        }
        if let fastPath {
            logger.notice("fast-path listener up", metadata: ["port": "\(fastPath.port)"])
        } else if configuration.fastPath {
            logger.warning("no fast-path port apart from the listen port could be had; the fast path is off")
        }
        let scheduled = node.backupScheduler.map { scheduler in
            Task { [state, configuration] in
                await scheduler.run(
                    state: state, cluster: { ClusterCA.clusterName(in: state) ?? configuration.clusterName },
                    sign: { writer in try writer.finish { try ClusterCA.load(from: state).sign(digest: $0) } },
                    caPEM: { try ClusterCA.load(from: state).certificatePEM })
            }
        }
        defer { scheduled?.cancel() }
        if !configuration.auditCryptoCalls {
            logger.warning("crypto calls are not in the audit log (auditCryptoCalls is false)")
        }
        let audit = Task { [configuration] in await coffer.runAudit(cryptoCalls: configuration.auditCryptoCalls) }
        defer { audit.cancel() }
        let membership = Mutex<Task<Void, Never>?>(nil)
        defer { membership.withLock { $0?.cancel() } }
        let certificateSHA256 = Peer.fingerprint(credentials.certificate).map(ClusterMember.hex) ?? ""
        do {
            _ = try await serve(
                listener, services: services, logger: logger,
                onListening: { endpoint in
                    // Started once the listener is up, so a node that a peer unseals at once still
                    // announces itself sealed first, as it was.
                    let keeper = MembershipKeeper(
                        state: self.state, node: node, identity: identity, directory: self.directory,
                        certificateSHA256: certificateSHA256,
                        caSHA256: Peer.fingerprint(credentials.ca).map(ClusterMember.hex) ?? "",
                        address: Self.advertised(self.configuration, endpoint: endpoint), logger: logger,
                        onUnsealedByPeer: { peer in announce(.unsealedByPeer(peer: peer)) })
                    if let dev {
                        // The bundle names the address actually bound (port 0 picks one at each start).
                        try? ClientBundle(path: dev.bundlePath).writeProfile(
                            cluster: self.configuration.clusterName, endpoints: [endpoint])
                        announce(.dev(dev, endpoint: endpoint))
                    }
                    let sealed = self.state.status != .unsealed
                    logger.notice("mTLS listener up", metadata: ["endpoint": "\(endpoint)", "sealed": "\(sealed)"])
                    announce(.listening(endpoint: endpoint, sealed: sealed))
                    membership.withLock { $0 = Task { await keeper.run() } }
                })
        } catch {
            await fastPath?.close()
            throw error
        }
        await fastPath?.close()
        logger.notice("stopped")
    }

    /// Where peers reach this node: the bound endpoint, or, when it listens on every address, the
    /// first configured certificate name (else 127.0.0.1) with the bound port.
    static func advertised(_ configuration: NodeConfiguration, endpoint: String) -> String {
        guard ["0.0.0.0", "::"].contains(configuration.listen.host),
            let port = endpoint.split(separator: ":").last.flatMap({ Int($0) })
        else { return endpoint }
        return ListenAddress(host: configuration.certificateNames.first ?? "127.0.0.1", port: port).description
    }

    /// Serves the join listener until the cluster's shares unseal the node and it has issued its own
    /// credentials from the cluster CA. Returns them and the bound port, or nil when the node was
    /// shut down first. The node stays unsealed: the custodians have just proven their shares.
    private func join(
        node: NodeInfo, port: Int, logger: Logger, announce: @escaping @Sendable (Event) -> Void
    ) async throws -> (NodeCredentials, Int)? {
        let certificate = try BootstrapCertificate.make(configuration: configuration, in: directory)
        let listener = try TLSListener(
            host: configuration.listen.host, port: port, certificateChain: [certificate.certificate],
            privateKey: certificate.privateKey, clientCertificates: .none)
        let issued = Mutex<NodeCredentials?>(nil)
        let join = JoinService(state: state, node: node, logger: logger) { [self] in
            let ca = try ClusterCA.load(from: state)
            let credentials = try NodeCredentials.issue(
                from: ca, nodeID: node.nodeID, configuration: configuration, in: directory)
            issued.withLock { $0 = credentials }
            logger.notice("unsealed; server certificate issued from the cluster CA")
            control.withLock { $0.joined = true }
            stopCurrent()
        }
        let fingerprint = try certificate.certificate.sha256Fingerprint
        guard
            let bound = try await serve(
                listener, services: [join], logger: logger,
                onListening: { endpoint in
                    logger.notice(
                        "join listener up", metadata: ["endpoint": "\(endpoint)", "fingerprint": "\(fingerprint)"])
                    announce(
                        .joinListening(
                            endpoint: endpoint, certificatePath: self.directory.bootstrapCertificate,
                            fingerprint: fingerprint))
                })
        else { return nil }
        guard control.withLock({ $0.joined }), let credentials = issued.withLock({ $0 }) else { return nil }
        announce(.joined)
        try? FileManager.default.removeItem(atPath: directory.bootstrap)
        return (credentials, bound)
    }

    /// Begins a graceful shutdown: listeners stop accepting, running RPCs finish, `run` returns.
    public func shutdown() {
        let stop = control.withLock { control in
            control.shuttingDown = true
            return control.stopCurrent
        }
        stop?()
    }

    private func stopCurrent() {
        control.withLock { $0.stopCurrent }?()
    }

    /// Serves `services` on `listener` until stopped. Returns the bound port, or nil when the node was
    /// shut down before it could start.
    private func serve(
        _ listener: TLSListener, services: [any RegistrableRPCService], logger: Logger,
        onListening: @escaping @Sendable (String) -> Void
    ) async throws -> Int? {
        let transport = listener.transport()
        let server = GRPCServer(
            transport: transport, services: services, interceptors: [PeerCertificateInterceptor(listener: listener)])
        let proceed = control.withLock { control -> Bool in
            guard !control.shuttingDown else { return false }
            control.stopCurrent = { server.beginGracefulShutdown() }
            return true
        }
        guard proceed else { return nil }
        defer { control.withLock { $0.stopCurrent = nil } }
        let host = configuration.listen.host
        return try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                do { try await server.serve() } catch let error as RuntimeError where error.code == .serverIsStopped {
                    return nil
                }
                return nil
            }
            group.addTask {
                guard let address = await transport.listeningAddress else { return nil }
                let port = address.ipv4?.port ?? address.ipv6?.port ?? 0
                onListening(ListenAddress(host: host, port: port).description)
                return port
            }
            var bound: Int?
            for try await result in group { if let result { bound = result } }
            return bound
        }
    }
}
