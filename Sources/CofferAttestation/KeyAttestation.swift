// Key attestation (issue 14, docs/attestation.md): an X.509 certificate, issued by the cluster CA,
// for the attested key's public key, with the key's claims in an extension (as YubiHSM attests
// keys), so that ordinary tools verify the chain (`openssl verify -CAfile ca.pem key.pem`) and
// read the certificate and its claims, and Coffer's verifier checks them. The claims are canonical
// JSON (sorted keys) in the certificate comment extension (`KeyAttestation.claimsOID`). A key
// whose public key has no X.509 form here (a secret key, ML-DSA, ML-KEM, Ed448) is attested in a
// certificate for a one-off P-256 public key whose private key was never kept; the claims say so
// (`certificate_key: "none"`) and carry what identifies the key instead (its check value, or the
// SHA-256 of its public key).

import Crypto
import Foundation
import SwiftASN1
import X509

/// What a key attestation states about one key at one time.
public struct KeyClaims: Codable, Sendable, Equatable {
    public static let currentFormat = "coffer-key-attestation/1"

    public var format = Self.currentFormat
    public var cluster: String
    public var handle: UInt64
    public var label: String
    /// CKA_ID, hex.
    public var id: String
    /// "secret-key", "private-key" or "public-key".
    public var objectClass: String
    /// The PKCS#11 key type's name (CKK_EC, CKK_AES, ...).
    public var keyType: String
    public var owner: String
    public var local: Bool
    public var sensitive: Bool
    public var alwaysSensitive: Bool
    public var extractable: Bool
    public var neverExtractable: Bool
    /// "subject" when the certificate's key is the attested key's public key; "none" when it is a
    /// one-off key (the attested key has no public key, or none with an X.509 form here).
    public var certificateKey: String
    /// SHA-256 of the key's public key (its CKA_PUBLIC_KEY_INFO, or CKA_VALUE for ML-DSA and ML-KEM), hex; empty for a secret key.
    public var publicKeySHA256: String
    /// CKA_CHECK_VALUE of a secret key, hex; empty otherwise.
    public var checkValue: String
    public var time: Date
    /// The caller's nonce, hex.
    public var nonce: String

    enum CodingKeys: String, CodingKey {
        case format, cluster, handle, label, id, owner, local, sensitive, extractable, time, nonce
        case objectClass = "class"
        case keyType = "key_type"
        case alwaysSensitive = "always_sensitive"
        case neverExtractable = "never_extractable"
        case certificateKey = "certificate_key"
        case publicKeySHA256 = "public_key_sha256"
        case checkValue = "check_value"
    }

    public init(
        cluster: String, handle: UInt64, label: String, id: String, objectClass: String, keyType: String, owner: String,
        local: Bool, sensitive: Bool, alwaysSensitive: Bool, extractable: Bool, neverExtractable: Bool,
        certificateKey: String, publicKeySHA256: String, checkValue: String, time: Date, nonce: String
    ) {
        self.cluster = cluster
        self.handle = handle
        self.label = label
        self.id = id
        self.objectClass = objectClass
        self.keyType = keyType
        self.owner = owner
        self.local = local
        self.sensitive = sensitive
        self.alwaysSensitive = alwaysSensitive
        self.extractable = extractable
        self.neverExtractable = neverExtractable
        self.certificateKey = certificateKey
        self.publicKeySHA256 = publicKeySHA256
        self.checkValue = checkValue
        self.time = time
        self.nonce = nonce
    }

    /// The canonical JSON (sorted keys, dates in ISO 8601).
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(self))
    }

    public init(encoded bytes: [UInt8]) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        self = try decoder.decode(KeyClaims.self, from: Data(bytes))
    }
}

/// Key attestation certificates: the claims extension and the offline check.
public enum KeyAttestation {
    /// Where the claims go: the certificate comment extension (2.16.840.1.113730.1.13, an
    /// IA5String), which `openssl x509 -text` prints as it is. Coffer has no registered OID arc of
    /// its own, and the 2.25 UUID arc's 128-bit numbers do not fit the ASN.1 library's arcs.
    public static let claimsOID: ASN1ObjectIdentifier = [2, 16, 840, 1, 113_730, 1, 13]
    /// The common name of every key attestation certificate.
    public static let commonName = "Coffer key attestation"

    /// The claims extension for `claims`: their canonical JSON, with every character outside ASCII
    /// written as a JSON escape (IA5String is ASCII), non-critical.
    public static func claimsExtension(_ claims: KeyClaims) throws -> Certificate.Extension {
        var ascii: [UInt8] = []
        for scalar in String(decoding: try claims.encoded(), as: UTF8.self).unicodeScalars {
            if scalar.isASCII {
                ascii.append(UInt8(scalar.value))
            } else {
                for unit in String(scalar).utf16 { ascii += Array(String(format: "\\u%04x", unit).utf8) }
            }
        }
        var serializer = DER.Serializer()
        try serializer.serialize(try ASN1IA5String(contentBytes: ArraySlice(ascii)))
        return Certificate.Extension(oid: claimsOID, critical: false, value: ArraySlice(serializer.serializedBytes))
    }

    /// The claims of `certificate` (PEM) once it chains to `ca` (PEM), is a key attestation, is
    /// within its validity, answers `nonce` (when given), and, when it certifies the attested key,
    /// carries that key's SHA-256 in its claims.
    public static func verify(certificatePEM: String, caPEM: String, nonce: [UInt8]? = nil, now: Date = Date()) async throws(AttestationError) -> KeyClaims {
        let certificate: Certificate
        let ca: Certificate
        do {
            certificate = try Certificate(pemEncoded: certificatePEM)
            ca = try Certificate(pemEncoded: caPEM)
        } catch {
            throw AttestationError("not a PEM certificate: \(error)")
        }
        var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
            RFC5280Policy(validationTime: now)
        }
        guard case .validCertificate = await verifier.validate(leafCertificate: certificate, intermediates: CertificateStore()) else {
            throw AttestationError("the certificate does not chain to the given CA (or is out of its validity)")
        }
        guard let claimsExtension = certificate.extensions[oid: claimsOID] else {
            throw AttestationError("the certificate carries no Coffer key claims")
        }
        let claims: KeyClaims
        do {
            let text = try ASN1IA5String(derEncoded: claimsExtension.value)
            claims = try KeyClaims(encoded: Array(text.bytes))
        } catch {
            throw AttestationError("the key claims do not parse: \(error)")
        }
        guard claims.format == KeyClaims.currentFormat else { throw AttestationError("unknown claims format \(claims.format)") }
        if let nonce, claims.nonce != NodeAttestation.hex(nonce) {
            throw AttestationError("the attestation answers another nonce (a replay?)")
        }
        if claims.certificateKey == "subject" {
            var serializer = DER.Serializer()
            do { try serializer.serialize(certificate.publicKey) } catch { throw AttestationError("the certificate's key does not encode") }
            guard NodeAttestation.hex(SHA256.hash(data: serializer.serializedBytes)) == claims.publicKeySHA256 else {
                throw AttestationError("the certificate's key is not the key the claims name")
            }
        }
        return claims
    }
}
