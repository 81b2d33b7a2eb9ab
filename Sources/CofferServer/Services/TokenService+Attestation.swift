// TokenService.AttestKey (issue 14, docs/attestation.md): the cluster CA's certificate for a key the
// caller can see, with what the key is and where it came from in the claims extension: class,
// type, owner, label, id, CKA_LOCAL, CKA_SENSITIVE, CKA_ALWAYS_SENSITIVE, CKA_EXTRACTABLE,
// CKA_NEVER_EXTRACTABLE, the cluster, the time and the caller's nonce. A relying party checks it
// offline against the CA certificate (`coffer attest verify`, or openssl for the chain).

import CofferAttestation
import CofferModel
import CofferProtocol
import CofferState
import Crypto
import Foundation
import GRPCCore
import SwiftASN1
import X509

extension TokenService {
    func attestKey(request: Coffer_V1_AttestKeyRequest, context: ServerContext) async throws -> Coffer_V1_AttestKeyResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.handle, mechanism: nil)
            let user = try caller.requireUser()
            guard NodeAttestation.nonceLengths.contains(request.nonce.count) else {
                throw ServiceFailure.argumentsBad(
                    "the nonce must be \(NodeAttestation.nonceLengths.lowerBound) to \(NodeAttestation.nonceLengths.upperBound) bytes")
            }
            let object = try state.object(request.handle, for: user, in: caller.context).object
            let classes: [ObjectClass: String] = [.secretKey: "secret-key", .privateKey: "private-key", .publicKey: "public-key"]
            guard let className = classes[object.objectClass], let keyType = object.keyType else {
                throw ServiceFailure(.keyHandleInvalid, "only keys are attested")
            }
            let value = { (type: AttributeType) -> [UInt8]? in
                try? state.attributeValue(type, of: request.handle, for: user, in: caller.context).rawBytes
            }
            // The key's public key as X.509 knows it (RSA, EC, Ed25519), or a one-off key.
            let spki = value(.publicKeyInfo)
            let publicKey = spki.flatMap { try? Certificate.PublicKey(derEncoded: $0) }
            let publicBytes = spki ?? (object.objectClass == .publicKey ? value(.value) : nil)
            let attributes = object.attributes
            let claims = KeyClaims(
                cluster: ClusterCA.clusterName(in: state) ?? "", handle: object.handle, label: object.label,
                id: NodeAttestation.hex(object.id), objectClass: className, keyType: keyType.description,
                owner: (try? state.user(object.owner).name) ?? "", local: attributes.bool(.local) ?? false,
                sensitive: attributes.bool(.sensitive) ?? false, alwaysSensitive: attributes.bool(.alwaysSensitive) ?? false,
                extractable: attributes.bool(.extractable) ?? false,
                neverExtractable: attributes.bool(.neverExtractable) ?? false,
                certificateKey: publicKey == nil ? "none" : "subject",
                publicKeySHA256: publicBytes.map { NodeAttestation.hex(SHA256.hash(data: $0)) } ?? "",
                checkValue: object.objectClass == .secretKey ? value(.checkValue).map(NodeAttestation.hex) ?? "" : "",
                time: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
                nonce: NodeAttestation.hex(request.nonce))
            let ca = try ClusterCA.load(from: state)
            // A key with no X.509 form is attested in a certificate for a key nobody keeps.
            let certificate = try ca.issueKeyAttestation(
                for: publicKey ?? Certificate.PublicKey(P256.Signing.PrivateKey().publicKey), claims: claims)
            var response = Coffer_V1_AttestKeyResponse()
            response.certificatePem = try certificate.serializeAsPEM().pemString
            response.caCertificatePem = try ca.certificatePEM
            response.header = gate.responseHeader()
            return response
        }
    }
}
