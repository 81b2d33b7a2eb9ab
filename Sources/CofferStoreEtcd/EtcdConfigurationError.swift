// Why an EtcdConfiguration cannot make a store, found before any connection is tried.

/// A configuration an `EtcdStateStore` refuses.
public enum EtcdConfigurationError: Error, Equatable, Sendable {
    /// No endpoint is listed.
    case noEndpoints
    /// Several endpoints must all be IPv4 or all IPv6 addresses; a DNS name may only stand alone.
    case mixedEndpoints
    /// A port outside 1...65535.
    case invalidPort(Int)
    /// A client certificate without its key, or a key without its certificate.
    case incompleteClientCertificate
    /// The transport refused the settings (the message is the transport's, without key material).
    case transport(String)
}
