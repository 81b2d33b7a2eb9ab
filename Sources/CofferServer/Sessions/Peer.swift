// Who is calling, as the transport tells it: the connection (ServerContext.remotePeer) and, over
// mTLS, the SHA-256 fingerprint of the client certificate. Logins and sessions are bound to these.

import Crypto
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftASN1
import X509

/// A connection's client certificate and its fingerprint, as `PeerCertificateInterceptor` tells
/// each RPC (computed once per connection by `TLSListener`).
public struct PeerIdentity: ServerContext.TransportSpecific {
    public let certificate: Certificate?
    public let fingerprint: [UInt8]?
}

/// The calling connection and its client certificate.
public struct Peer: Sendable, Hashable {
    /// The transport's name for the connection (address and port for TCP).
    public var connection: String
    private var certificate: Certificate?
    private var knownFingerprint: [UInt8]?

    public init(connection: String, certificateFingerprint: [UInt8]?) {
        self.connection = connection
        self.knownFingerprint = certificateFingerprint
    }

    /// The peer of an RPC. Over the node's own TLS listener the certificate comes with its
    /// fingerprint, taken once per connection (`PeerIdentity`); over another transport it is
    /// fingerprinted only when asked.
    public init(_ context: ServerContext) {
        self.connection = context.remotePeer
        if let identity = context.transportSpecific as? PeerIdentity {
            self.certificate = identity.certificate
            self.knownFingerprint = identity.fingerprint
        } else {
            self.certificate = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate
        }
    }

    /// The client certificate, when the connection presented one (and the transport tells it).
    public var clientCertificate: Certificate? { certificate }

    /// SHA-256 of the client certificate's DER, when the connection presented one.
    public var certificateFingerprint: [UInt8]? {
        knownFingerprint ?? certificate.flatMap(Self.fingerprint)
    }

    /// SHA-256 of a certificate's DER encoding.
    public static func fingerprint(_ certificate: Certificate) -> [UInt8]? {
        var serializer = DER.Serializer()
        do { try serializer.serialize(certificate) } catch { return nil }
        return Array(SHA256.hash(data: serializer.serializedBytes))
    }
}
