// Who is calling, as the transport tells it: the connection (ServerContext.remotePeer) and, over
// mTLS, the SHA-256 fingerprint of the client certificate. Logins and sessions are bound to these.

import Crypto
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftASN1
import X509

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

    /// The peer of an RPC. The certificate is kept as the transport gives it and fingerprinted only when a
    /// certificate-bound login needs it, so a crypto call on a connection-bound login does no DER work.
    public init(_ context: ServerContext) {
        self.connection = context.remotePeer
        self.certificate = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate
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
