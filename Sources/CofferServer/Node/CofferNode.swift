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
        /// The mTLS listener is up.
        case listening(endpoint: String, sealed: Bool)
    }

    public let configuration: NodeConfiguration
    public let directory: DataDirectory
    public let state: StateMachine
    let logger: Logger
    private let control = Mutex(Control())

    private struct Control {
        var shuttingDown = false
        var initialized = false
        var stopCurrent: (@Sendable () -> Void)?
    }

    public init(configuration: NodeConfiguration, state: StateMachine, logger: Logger) {
        self.configuration = configuration
        self.directory = DataDirectory(path: configuration.dataDirectory)
        self.state = state
        self.logger = logger
    }

    /// Serves until `shutdown()`; returns once every listener has drained.
    public func run(announce: @escaping @Sendable (Event) -> Void) async throws {
        try directory.create()
        let nodeID = try directory.loadOrCreateNodeID()
        let node = NodeInfo(nodeID: nodeID, version: Self.version, clusterName: configuration.clusterName)
        var nodeLogger = self.logger
        nodeLogger[metadataKey: "node"] = "\(nodeID)"
        let logger = nodeLogger
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
            guard control.withLock({ $0.initialized }) else { return }
            announce(.initialized)
            try? FileManager.default.removeItem(atPath: directory.bootstrap)
            port = bound
        }

        guard let credentials = try NodeCredentials.load(from: directory) else {
            throw DataDirectoryError.missing(directory.tls)
        }
        let coffer = CofferServices(state: state, node: node, loginIdleTimeout: configuration.loginIdleTimeout)
        // A closed connection takes its sessions, their objects and its connection-bound logins with it.
        let listener = try TLSListener(
            host: configuration.listen.host, port: port, certificateChain: [credentials.certificate],
            privateKey: credentials.privateKey, clientCertificates: .required(credentials.ca),
            onClose: { [coffer] connection in coffer.connectionClosed(connection) })
        let services = coffer.services
        let fastPath =
            configuration.fastPath
            ? try await FastPathListener.bind(
                host: configuration.listen.host, port: configuration.fastPathPort,
                certificateChain: [credentials.certificate], privateKey: credentials.privateKey, ca: credentials.ca,
                services: coffer)
            : nil
        if let fastPath { logger.notice("fast-path listener up", metadata: ["port": "\(fastPath.port)"]) }
        do {
            _ = try await serve(
                listener, services: services, logger: logger,
                onListening: { endpoint in
                    if let dev {
                        // The bundle names the address actually bound (port 0 picks one at each start).
                        try? ClientBundle(path: dev.bundlePath).writeProfile(
                            cluster: self.configuration.clusterName, endpoints: [endpoint])
                        announce(.dev(dev, endpoint: endpoint))
                    }
                    let sealed = self.state.status != .unsealed
                    logger.notice("mTLS listener up", metadata: ["endpoint": "\(endpoint)", "sealed": "\(sealed)"])
                    announce(.listening(endpoint: endpoint, sealed: sealed))
                })
        } catch {
            await fastPath?.close()
            throw error
        }
        await fastPath?.close()
        logger.notice("stopped")
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
