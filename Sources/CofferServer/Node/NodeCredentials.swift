// The node's TLS identity in DATA/tls: its server certificate (issued by the cluster CA), its key,
// and the CA certificate it trusts for clients. Issued while unsealed, read at every start.

import Crypto
import Foundation
import NIOSSL
import X509

/// The certificate, key and trusted CA a node serves mTLS with.
public struct NodeCredentials: Sendable {
    public let certificate: Certificate
    public let privateKey: NIOSSLPrivateKey
    public let ca: Certificate

    /// Issues a new server certificate from `ca` for a new key and writes all three files:
    /// server.pem and ca.pem (0644) and server-key.pem (0600). The certificate names the node id
    /// (CN), the configured certificate names, and the listen address unless it is a wildcard.
    @discardableResult
    public static func issue(
        from ca: ClusterCA, nodeID: String, configuration: NodeConfiguration, in directory: DataDirectory
    ) throws -> NodeCredentials {
        let key = P256.Signing.PrivateKey()
        var addresses = configuration.certificateIPAddresses
        if !["0.0.0.0", "::"].contains(configuration.listen.host) { addresses.append(configuration.listen.host) }
        let certificate = try ca.issueServerCertificate(
            for: key.publicKey, nodeName: nodeID, dnsNames: configuration.certificateDNSNames,
            ipAddresses: addresses)
        return try save(certificate: certificate, key: key, ca: ca.certificate, in: directory)
    }

    /// The names a node's certificate carries besides localhost and loopback: the configured ones and
    /// the listen address unless it is a wildcard.
    static func certificateNames(_ configuration: NodeConfiguration) -> [String] {
        var names = configuration.certificateNames
        if !["0.0.0.0", "::"].contains(configuration.listen.host), !names.contains(configuration.listen.host) {
            names.append(configuration.listen.host)
        }
        return names
    }

    /// Writes `certificate` (issued for `key`) and `ca` to the data folder: server.pem and ca.pem
    /// (0644) and server-key.pem (0600).
    static func save(
        certificate: Certificate, key: P256.Signing.PrivateKey, ca: Certificate, in directory: DataDirectory
    ) throws -> NodeCredentials {
        try DataDirectory.makeFolder(directory.tls)
        try DataDirectory.write(key.pemRepresentation, to: directory.serverKey, mode: 0o600)
        try DataDirectory.write(try certificate.pemEncoded, to: directory.serverCertificate, mode: 0o644)
        try DataDirectory.write(try ca.pemEncoded, to: directory.caCertificate, mode: 0o644)
        return try NodeCredentials(
            certificate: certificate,
            privateKey: NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem),
            ca: ca)
    }

    /// Reads the three files, or returns nil when none of them exists yet.
    public static func load(from directory: DataDirectory) throws -> NodeCredentials? {
        let files = [directory.serverCertificate, directory.serverKey, directory.caCertificate]
        let present = files.filter { FileManager.default.fileExists(atPath: $0) }
        if present.isEmpty { return nil }
        if let missing = files.first(where: { !present.contains($0) }) { throw DataDirectoryError.missing(missing) }
        guard let certificatePEM = try DataDirectory.read(directory.serverCertificate),
            let caPEM = try DataDirectory.read(directory.caCertificate)
        else { throw DataDirectoryError.cannotRead(directory.tls) }
        let certificate = try Certificate(pemEncoded: certificatePEM)
        let ca = try Certificate(pemEncoded: caPEM)
        let key = try NIOSSLPrivateKey(file: directory.serverKey, format: .pem)
        return NodeCredentials(certificate: certificate, privateKey: key, ca: ca)
    }

    init(certificate: Certificate, privateKey: NIOSSLPrivateKey, ca: Certificate) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.ca = ca
    }
}
