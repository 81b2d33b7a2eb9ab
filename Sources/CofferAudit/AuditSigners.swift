// Who may sign the log's checkpoints: nodes, each with its Ed25519 identity key, vouched for by the
// cluster CA in a certificate (CN "coffer-audit NODE") that an export carries. An auditor needs only
// the CA certificate to know which checkpoint keys are the cluster's nodes'.

import Crypto
import Foundation
import X509

/// The note names and keys of a log's signers.
public enum AuditSigners {
    /// The certificate's common name: this prefix and the node id.
    public static let commonNamePrefix = "coffer-audit "

    /// The note key name a node signs checkpoints with.
    public static func noteName(node: String) -> String { "coffer-" + node }

    /// The verifiers of the certificates (PEM) that chain to `ca`; any other certificate is refused.
    public static func verifiers(_ certificates: [String], ca: Certificate, now: Date = Date()) async throws(AuditError) -> [NoteVerifier] {
        var verifiers: [NoteVerifier] = []
        for (number, pem) in certificates.enumerated() {
            let certificate: Certificate
            do { certificate = try Certificate(pemEncoded: pem) } catch {
                throw AuditError("signer certificate \(number + 1) is not a PEM certificate")
            }
            var verifier = Verifier(rootCertificates: CertificateStore([ca])) { RFC5280Policy(validationTime: now) }
            guard case .validCertificate = await verifier.validate(leafCertificate: certificate, intermediates: CertificateStore()) else {
                throw AuditError("signer certificate \(number + 1) (\(certificate.subject)) is not the given CA's")
            }
            guard let node = node(of: certificate) else {
                throw AuditError("signer certificate \(number + 1) is not an audit signer's (CN \(commonNamePrefix)NODE)")
            }
            guard let key = Curve25519.Signing.PublicKey(certificate.publicKey) else {
                throw AuditError("signer certificate \(number + 1) does not hold an Ed25519 key")
            }
            do { verifiers.append(try NoteVerifier(name: noteName(node: node), publicKey: key)) } catch {
                throw AuditError("signer certificate \(number + 1): \(error.description)")
            }
        }
        return verifiers
    }

    /// The node an audit signer certificate is for.
    public static func node(of certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                let text = String(describing: attribute.value)
                if text.hasPrefix(commonNamePrefix) { return String(text.dropFirst(commonNamePrefix.count)) }
            }
        }
        return nil
    }
}
