// The cluster CA: a P-256 key and self-signed certificate made at cluster init. It issues the nodes'
// server certificates and the clients' certificates; it lives only as a sealed system record.

import CofferAttestation
import CofferAudit
import CofferCrypto
import CofferState
import Crypto
import Foundation
import SwiftASN1
import X509

/// The certificate authority every node and client of one cluster trusts, and nothing else.
public struct ClusterCA: Sendable {
    /// The name of the sealed system record that holds the CA.
    public static let recordName = "cluster-ca"
    /// How long the CA certificate is valid.
    public static let caValidity: TimeInterval = 10 * 365 * 24 * 3600
    /// How long a node or client certificate is valid.
    public static let leafValidity: TimeInterval = 365 * 24 * 3600
    /// Clocks differ between nodes and clients: certificates start this much in the past.
    static let backdating: TimeInterval = 5 * 60

    /// The CA certificate.
    public let certificate: Certificate
    private let privateKey: P256.Signing.PrivateKey

    private init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// The CA's ECDSA signature (DER) over `digest`: a backup file's (docs/backup.md).
    public func sign(digest: SHA256.Digest) throws -> [UInt8] {
        Array(try privateKey.signature(for: digest).derRepresentation)
    }

    /// Makes a new CA for the cluster `clusterName`.
    public static func make(clusterName: String, now: Date = Date()) throws -> ClusterCA {
        let key = P256.Signing.PrivateKey()
        let signingKey = Certificate.PrivateKey(key)
        let name = try DistinguishedName {
            OrganizationName("Coffer")
            CommonName("Coffer cluster CA \(clusterName)")
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: signingKey.publicKey)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: signingKey.publicKey,
            notValidBefore: now - backdating, notValidAfter: now + caValidity,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: signingKey)
        return ClusterCA(certificate: certificate, privateKey: key)
    }

    /// The CA certificate in PEM.
    public var certificatePEM: String {
        get throws { try certificate.serializeAsPEM().pemString }
    }

    // MARK: Issuing

    /// Issues a server certificate for `publicKey`: SAN DNS `localhost` and `dnsNames`, IP 127.0.0.1,
    /// ::1 and `ipAddresses` (textual IPv4 or IPv6), EKU serverAuth and clientAuth (a node calls its
    /// peers with it: PeerService).
    public func issueServerCertificate(
        for publicKey: P256.Signing.PublicKey, nodeName: String, dnsNames: [String] = [], ipAddresses: [String] = [],
        now: Date = Date()
    ) throws -> Certificate {
        var names: [GeneralName] = []
        for dns in ["localhost"] + dnsNames where !names.contains(.dnsName(dns)) { names.append(.dnsName(dns)) }
        for ip in ["127.0.0.1", "::1"] + ipAddresses {
            guard let bytes = IPAddressText.bytes(ip) else { throw ClusterCAError.badAddress(ip) }
            let name = GeneralName.ipAddress(ASN1OctetString(contentBytes: bytes[...]))
            if !names.contains(name) { names.append(name) }
        }
        return try issue(
            publicKey: Certificate.PublicKey(publicKey), commonName: nodeName, usage: [.serverAuth, .clientAuth],
            subjectAlternativeNames: SubjectAlternativeNames(names), now: now)
    }

    /// Issues a client certificate with common name `commonName` for `publicKey`, EKU clientAuth,
    /// carrying `profile` as its organizational unit.
    public func issueClientCertificate(
        for publicKey: P256.Signing.PublicKey, commonName: String, profile: ClientCertificateProfile, now: Date = Date()
    ) throws -> Certificate {
        try issue(
            publicKey: Certificate.PublicKey(publicKey), commonName: commonName, usage: [.clientAuth],
            subjectAlternativeNames: nil, now: now, unit: profile.rawValue)
    }

    /// Makes a key pair and a client certificate for it: the certificate and the PKCS#8 key, both PEM.
    /// The key PEM is a `String` (it goes to the client): keep it short-lived.
    public func issueClientBundle(commonName: String, profile: ClientCertificateProfile, now: Date = Date()) throws -> (
        certificatePEM: String, privateKeyPEM: String
    ) {
        let key = P256.Signing.PrivateKey()
        let certificate = try issueClientCertificate(for: key.publicKey, commonName: commonName, profile: profile, now: now)
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    /// The profile a client certificate carries; nil for a certificate with none (made before
    /// profiles existed, or not a client certificate of this CA).
    public static func profile(of certificate: Certificate) -> ClientCertificateProfile? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.organizationalUnitName {
                if let profile = ClientCertificateProfile(rawValue: String(describing: attribute.value)) { return profile }
            }
        }
        return nil
    }

    /// The common name of a join credential's certificate (`joinName(of:)` reads it back).
    static let joinPrefix = "coffer-join "

    /// A join credential for the node to be named `name`: a client certificate and its key (PEM),
    /// valid until `expiresAt` (and a few minutes' grace for clocks; the credential's record decides).
    public func issueJoinCredential(name: String, expiresAt: Date, now: Date = Date()) throws -> (
        certificate: Certificate, privateKeyPEM: String
    ) {
        let key = P256.Signing.PrivateKey()
        let certificate = try issue(
            publicKey: Certificate.PublicKey(key.publicKey), commonName: Self.joinPrefix + name, usage: [.clientAuth],
            subjectAlternativeNames: nil, now: now, notAfter: expiresAt + Self.backdating)
        return (certificate, key.pemRepresentation)
    }

    /// A key attestation certificate (docs/attestation.md) for `publicKey`, with `claims` in its
    /// claims extension; no extended key usage, so it authenticates nothing.
    public func issueKeyAttestation(for publicKey: Certificate.PublicKey, claims: KeyClaims, now: Date = Date()) throws -> Certificate {
        try issue(
            publicKey: publicKey, commonName: KeyAttestation.commonName, usage: [], subjectAlternativeNames: nil, now: now,
            extra: [try KeyAttestation.claimsExtension(claims)])
    }

    /// The certificate of a member's checkpoint key (docs/audit.md): its Ed25519 identity key, CN
    /// "coffer-audit NODE", no extended key usage, so it authenticates nothing.
    public func issueAuditSigner(node: String, identityKey: Curve25519.Signing.PublicKey, now: Date = Date()) throws -> Certificate {
        try issue(
            publicKey: Certificate.PublicKey(identityKey), commonName: AuditSigners.commonNamePrefix + node, usage: [],
            subjectAlternativeNames: nil, now: now)
    }

    /// The node name a join credential's certificate is for; nil for any other certificate.
    public static func joinName(of certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                let text = String(describing: attribute.value)
                if text.hasPrefix(joinPrefix) { return String(text.dropFirst(joinPrefix.count)) }
            }
        }
        return nil
    }

    private func issue(
        publicKey: Certificate.PublicKey, commonName: String, usage: [ExtendedKeyUsage.Usage],
        subjectAlternativeNames: SubjectAlternativeNames?, now: Date, notAfter: Date? = nil,
        extra: [Certificate.Extension] = [], unit: String? = nil
    ) throws -> Certificate {
        let subject = try DistinguishedName {
            OrganizationName("Coffer")
            if let unit { OrganizationalUnitName(unit) }
            CommonName(commonName)
        }
        let caPublicKey = Certificate.PublicKey(privateKey.publicKey)
        var extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            if !usage.isEmpty { try ExtendedKeyUsage(usage) }
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: caPublicKey).keyIdentifier)
            if let subjectAlternativeNames { subjectAlternativeNames }
        }
        for item in extra { try extensions.append(item) }
        let notAfter = min(notAfter ?? now + Self.leafValidity, certificate.notValidAfter)
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now - Self.backdating, notValidAfter: notAfter,
            issuer: certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: Certificate.PrivateKey(privateKey))
    }

    // MARK: The sealed record

    /// The record: a version byte, the key's 32-byte scalar, then the certificate's DER. Secret.
    public func record() throws -> SecretBytes {
        var bytes: [UInt8] = [1]
        privateKey.rawRepresentation.withUnsafeBytes { bytes.append(contentsOf: $0) }
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        bytes.append(contentsOf: serializer.serializedBytes)
        return SecretBytes(consuming: &bytes)
    }

    /// Reads a CA back from `record`.
    public init(record: SecretBytes) throws {
        let parsed: (P256.Signing.PrivateKey, Certificate) = try record.withUnsafeBytes { bytes in
            guard bytes.count > 33, bytes[0] == 1 else { throw ClusterCAError.malformedRecord }
            let key = try P256.Signing.PrivateKey(rawRepresentation: UnsafeRawBufferPointer(rebasing: bytes[1..<33]))
            let certificate = try Certificate(derEncoded: Array(bytes[33...]))
            return (key, certificate)
        }
        guard parsed.1.publicKey == Certificate.PublicKey(parsed.0.publicKey) else {
            throw ClusterCAError.malformedRecord
        }
        self.init(certificate: parsed.1, privateKey: parsed.0)
    }

    /// The system record holding the name the cluster was initialized with.
    static let nameRecord = "cluster-name"

    /// The name the cluster was initialized with (`coffer cluster init --cluster-name`), kept next to
    /// its CA; nil while the state is sealed, or for a cluster made before the name was kept.
    public static func clusterName(in state: StateMachine) -> String? {
        guard let record = try? state.systemRecord(nameRecord) else { return nil }
        return String(decoding: record.unsafeCopy, as: UTF8.self)
    }

    /// The cluster's CA from the sealed state, which must be unsealed; `.missing` when the cluster
    /// has none (a node joining a cluster reads the CA its first node made, and never makes one).
    public static func load(from state: StateMachine) throws -> ClusterCA {
        guard let record = try state.systemRecord(recordName) else { throw ClusterCAError.missing }
        return try ClusterCA(record: record)
    }

    /// The cluster's CA from the sealed state, made and stored first if there is none. When two nodes
    /// race, the store keeps one (`onlyIfAbsent`) and both return it. The state must be unsealed.
    public static func loadOrCreate(in state: StateMachine, clusterName: String) async throws -> ClusterCA {
        if let record = try state.systemRecord(recordName) { return try ClusterCA(record: record) }
        let made = try make(clusterName: clusterName)
        if try await state.putSystemRecord(recordName, value: try made.record(), onlyIfAbsent: true) {
            _ = try await state.putSystemRecord(nameRecord, value: SecretBytes(Array(clusterName.utf8)), onlyIfAbsent: true)
            return made
        }
        guard let record = try state.systemRecord(recordName) else { throw ClusterCAError.malformedRecord }
        return try ClusterCA(record: record)
    }
}

/// A CA operation that failed.
public enum ClusterCAError: Error, Equatable, CustomStringConvertible {
    /// The sealed CA record does not decode.
    case malformedRecord
    /// The store holds no CA record.
    case missing
    /// A configured certificate address is not an IPv4 or IPv6 address.
    case badAddress(String)

    public var description: String {
        switch self {
        case .malformedRecord: "the cluster CA record is malformed"
        case .missing: "the store holds no cluster CA record"
        case .badAddress(let text): "\(text) is not an IP address"
        }
    }
}
