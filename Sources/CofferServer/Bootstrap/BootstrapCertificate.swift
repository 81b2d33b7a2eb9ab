// The bootstrap listener's certificate: self-signed, made at each start of a never-initialized node
// and written to DATA/bootstrap/ca.pem so the operator can pin it (no cluster CA exists yet).

import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A self-signed server certificate and its in-memory key, for the bootstrap listener only.
public struct BootstrapCertificate: Sendable {
    public let certificate: Certificate
    public let privateKey: NIOSSLPrivateKey

    /// Makes a new key and certificate (SAN localhost, 127.0.0.1, ::1 and the configured names, one
    /// year) and writes the certificate to `directory.bootstrapCertificate`. The key never touches disk.
    public static func make(configuration: NodeConfiguration, in directory: DataDirectory, now: Date = Date()) throws
        -> BootstrapCertificate
    {
        let key = P256.Signing.PrivateKey()
        let signingKey = Certificate.PrivateKey(key)
        let name = try DistinguishedName {
            OrganizationName("Coffer")
            CommonName("Coffer bootstrap \(configuration.clusterName)")
        }
        var names: [GeneralName] = (["localhost"] + configuration.certificateDNSNames).map { .dnsName($0) }
        for ip in ["127.0.0.1", "::1"] + configuration.certificateIPAddresses {
            if let bytes = IPAddressText.bytes(ip) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
            }
        }
        // Its own issuer and trust anchor (as `openssl req -x509` makes them): TLS stacks accept a
        // pinned self-signed certificate as a root only when it may sign certificates.
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(names)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: signingKey.publicKey,
            notValidBefore: now - 300, notValidAfter: now + 365 * 24 * 3600,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: signingKey)
        try DataDirectory.makeFolder(directory.bootstrap)
        try DataDirectory.write(try certificate.pemEncoded, to: directory.bootstrapCertificate, mode: 0o644)
        let privateKey = try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
        return BootstrapCertificate(certificate: certificate, privateKey: privateKey)
    }
}
