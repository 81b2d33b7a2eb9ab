// Throwaway certificates and keys (PEM) for client configuration tests.

import Crypto
import Foundation
import X509

/// A self-signed P-256 certificate and its key, as PEM.
struct TestCertificate {
    let certificatePEM: String
    let keyPEM: String

    init(commonName: String = "coffer-test") throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date().addingTimeInterval(-60), notValidAfter: Date().addingTimeInterval(3600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions {}, issuerPrivateKey: .init(key))
        certificatePEM = try certificate.serializeAsPEM().pemString
        keyPEM = key.pemRepresentation
    }
}
