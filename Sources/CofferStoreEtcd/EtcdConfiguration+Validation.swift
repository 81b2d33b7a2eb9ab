// The checks an EtcdConfiguration must pass before a store is made from it: the ones the transport
// would otherwise fail on later, or silently get wrong (a DNS name among several endpoints).

extension EtcdConfiguration {
    /// How the endpoints are addressed; the transport resolves each family differently.
    enum AddressFamily {
        case ipv4, ipv6, dns
    }

    /// Checks the settings without connecting: at least one endpoint, ports 1 to 65535, several
    /// endpoints all IPv4 or all IPv6 (a DNS name only alone), and a client certificate only with
    /// its key. `EtcdStateStore.init` runs the same checks; call this to report a bad setting early.
    public func validate() throws(EtcdConfigurationError) {
        _ = try Self.addressFamily(of: endpoints)
        if let tls, (tls.clientCertificatePEM == nil) != (tls.clientKeyPEM == nil) {
            throw .incompleteClientCertificate
        }
    }

    static func addressFamily(of endpoints: [Endpoint]) throws(EtcdConfigurationError) -> AddressFamily {
        guard !endpoints.isEmpty else { throw .noEndpoints }
        for endpoint in endpoints where !(1...65535).contains(endpoint.port) {
            throw .invalidPort(endpoint.port)
        }
        if endpoints.allSatisfy({ isIPv4($0.host) }) { return .ipv4 }
        if endpoints.allSatisfy({ $0.host.contains(":") }) { return .ipv6 }
        guard endpoints.count == 1 else { throw .mixedEndpoints }
        return .dns
    }

    private static func isIPv4(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in part.count <= 3 && UInt8(part) != nil }
    }
}
