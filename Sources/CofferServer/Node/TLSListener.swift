// The node's TLS listener: a grpc-swift-nio-transport ListenerFactory that terminates TLS 1.3 only.
// HTTP2ServerTransport.Posix hard-codes a TLS 1.2 minimum; the public Custom transport lets us own it.

import CofferProtocol
import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import X509

/// Accepts TCP connections on one address and runs TLS 1.3 (only) on each before gRPC's HTTP/2.
///
/// With `clientCertificates: .required(ca)` the handshake fails unless the client presents a
/// certificate that chains to `ca` (and nothing else: no system roots). Connections are tracked so
/// that `PeerCertificateInterceptor` can tell each RPC its peer's certificate, and `onClose` hears of
/// each one that closes (the node frees the sessions and logins bound to it).
public struct TLSListener: HTTP2ServerTransport.ListenerFactory {
    /// Whether clients must present a certificate.
    public enum ClientCertificates: Sendable {
        /// No client certificate is asked for (the bootstrap listener).
        case none
        /// A client certificate issued by this CA is required.
        case required(Certificate)
    }

    public let eventLoopGroup: any EventLoopGroup
    let host: String
    let port: Int
    let sslContext: NIOSSLContext
    let connections: ConnectionTable

    /// - Parameters:
    ///   - certificateChain: the server's certificate (leaf first).
    ///   - privateKey: the server's key.
    ///   - onClose: called with a connection's `ServerContext.remotePeer` once it has closed.
    public init(
        host: String, port: Int, certificateChain: [Certificate], privateKey: NIOSSLPrivateKey,
        clientCertificates: ClientCertificates,
        eventLoopGroup: MultiThreadedEventLoopGroup = .singletonMultiThreadedEventLoopGroup,
        onClose: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        let configuration = try Self.serverTLS(
            certificateChain: certificateChain, privateKey: privateKey, clientCertificates: clientCertificates,
            applicationProtocols: ["grpc-exp", "h2"])
        self.sslContext = try NIOSSLContext(configuration: configuration)
        self.host = host
        self.port = port
        self.eventLoopGroup = eventLoopGroup
        self.connections = ConnectionTable(onClose: onClose)
    }

    /// The node's TLS server configuration: TLS 1.3 only, and with `.required(ca)` a client
    /// certificate that chains to `ca` and nothing else. The fast-path listener uses it too.
    static func serverTLS(
        certificateChain: [Certificate], privateKey: NIOSSLPrivateKey, clientCertificates: ClientCertificates,
        applicationProtocols: [String]
    ) throws -> TLSConfiguration {
        let chain = try certificateChain.map { try NIOSSLCertificate(bytes: try $0.derEncoded, format: .der) }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv13
        configuration.applicationProtocols = applicationProtocols
        switch clientCertificates {
        case .none:
            configuration.certificateVerification = .none
        case .required(let ca):
            // Client certificates carry no host name to check; the chain to `ca` is what counts.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: try ca.derEncoded, format: .der)])
            configuration.sendCANameList = true
        }
        return configuration
    }

    public func makeListeningChannel(
        listenerConfigurator: HTTP2ServerTransport.ListenerConfigurator,
        connectionConfigurator: HTTP2ServerTransport.ConnectionConfigurator
    ) async throws -> NIOAsyncChannel<HTTP2ServerTransport.ConnectionConfigurator.ConnectionChannel, Never> {
        let address = try NIOCore.SocketAddress(ipAddress: host, port: port)
        let sslContext = self.sslContext
        let connections = self.connections
        return try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in listenerConfigurator.configure(channel: channel) }
            .bind(to: address) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    connections.add(channel)
                }.flatMap {
                    connectionConfigurator.configure(channel: channel, tls: .configured(requireALPN: false))
                }
            }
    }

    /// A server transport over this listener.
    public func transport() -> HTTP2ServerTransport.Custom<TLSListener> {
        var config = HTTP2ServerTransport.Custom<TLSListener>.Config.defaults
        // A call carries up to 4 MiB of data (docs/protocol.md, "Limits") plus its header and
        // parameters; gRPC's default of 4 MiB per message would refuse it with a reset stream before
        // the node's own check could answer CKR_DATA_LEN_RANGE.
        config.rpc.maxRequestPayloadSize = CofferWire.maxMessageBytes
        return HTTP2ServerTransport.Custom(listenerFactory: self, config: config)
    }
}

extension TLSListener {
    /// The open connections by their remote address as gRPC spells it in `ServerContext.remotePeer`,
    /// each with its client certificate once it has been read (parsed once per connection, not per RPC).
    final class ConnectionTable: Sendable {
        struct Entry: Sendable {
            let channel: any Channel
            /// nil until first read; then the certificate (nil when the peer presented none) and its fingerprint.
            var identity: PeerIdentity?
        }

        private let entries = Mutex<[String: Entry]>([:])
        private let onClose: @Sendable (String) -> Void

        init(onClose: @escaping @Sendable (String) -> Void = { _ in }) {
            self.onClose = onClose
        }

        func add(_ channel: any Channel) {
            guard let key = Self.peerName(channel.remoteAddress) else { return }
            entries.withLock { $0[key] = Entry(channel: channel, identity: nil) }
            let onClose = self.onClose
            channel.closeFuture.whenComplete { [weak self] _ in
                self?.entries.withLock { table in
                    if table[key]?.channel === channel { table[key] = nil }
                }
                onClose(key)
            }
        }

        /// The client certificate of the connection `peer` and its fingerprint: read from its TLS
        /// handler, parsed and fingerprinted on the first RPC, then kept for the connection's life.
        /// nil for a connection this listener did not accept.
        func identity(forPeer peer: String) async -> PeerIdentity? {
            guard let entry = entries.withLock({ $0[peer] }) else { return nil }
            if let known = entry.identity { return known }
            var parsed: Certificate? = nil
            if let der = try? await entry.channel.nioSSL_peerCertificate().get()?.toDERBytes() {
                parsed = try? Certificate(derEncoded: der)
            }
            let identity = PeerIdentity(certificate: parsed, fingerprint: parsed.flatMap(Peer.fingerprint))
            entries.withLock { table in
                if table[peer]?.channel === entry.channel { table[peer]?.identity = identity }
            }
            return identity
        }

        /// The spelling of grpc-swift-nio-transport's `remotePeer` for IP addresses.
        static func peerName(_ address: NIOCore.SocketAddress?) -> String? {
            switch address {
            case .v4(let v4)?: "ipv4:\(v4.host):\(address!.port!)"
            case .v6(let v6)?: "ipv6:[\(v6.host)]:\(address!.port!)"
            default: nil
            }
        }
    }
}
