// The node's identity (issue 11): an Ed25519 signing key and an X25519 key-agreement key, made at
// the node's first start and kept in the data folder (identity/keys, owner-only, in an owner-only
// folder), never logged. The node signs its attestations with the first; the second is what a peer
// will seal the domain key to (HPKE) when the node rejoins. Also the SHA-256 of the running cofferd
// executable, which the attestation reports.

import CofferAttestation
import Crypto
import Foundation

/// This node's identity keys.
public struct NodeIdentity: Sendable {
    let signing: Curve25519.Signing.PrivateKey
    let agreement: Curve25519.KeyAgreement.PrivateKey

    /// The public keys, raw, base64 (as the attestation names them).
    public var signingPublicKey: String { signing.publicKey.rawRepresentation.base64EncodedString() }
    public var agreementPublicKey: String { agreement.publicKey.rawRepresentation.base64EncodedString() }

    /// The identity in `directory`, made on first use.
    public static func loadOrCreate(in directory: DataDirectory) throws -> NodeIdentity {
        let file = directory.identityKeys
        if let text = try DataDirectory.read(file) {
            let lines = text.split(separator: "\n").map(String.init)
            guard lines.count == 2, let s = Data(base64Encoded: lines[0]), let a = Data(base64Encoded: lines[1]),
                let signing = try? Curve25519.Signing.PrivateKey(rawRepresentation: s),
                let agreement = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: a)
            else { throw DataDirectoryError.cannotRead(file) }
            return NodeIdentity(signing: signing, agreement: agreement)
        }
        guard mkdir(directory.identity, 0o700) == 0 || errno == EEXIST, chmod(directory.identity, 0o700) == 0 else {
            throw DataDirectoryError.cannotWrite(directory.identity)
        }
        let identity = NodeIdentity(signing: Curve25519.Signing.PrivateKey(), agreement: Curve25519.KeyAgreement.PrivateKey())
        try DataDirectory.write(
            identity.signing.rawRepresentation.base64EncodedString() + "\n"
                + identity.agreement.rawRepresentation.base64EncodedString() + "\n",
            to: file, mode: 0o600)
        return identity
    }

    /// An attestation of this node for `nonce`.
    public func attest(nonce: [UInt8], cluster: String, nodeID: String, binarySHA256: String, version: String) throws -> NodeAttestation {
        try NodeAttestation.sign(
            AttestationStatement(
                cluster: cluster, nodeID: nodeID, binarySHA256: binarySHA256, version: version,
                identitySigningKey: signingPublicKey, identityAgreementKey: agreementPublicKey, time: Date(),
                nonce: NodeAttestation.hex(nonce)),
            with: signing)
    }

    /// SHA-256 of the running executable (/proc/self/exe), hex; "unknown" where it cannot be read.
    public static func executableDigest() -> String {
        guard let file = FileHandle(forReadingAtPath: "/proc/self/exe") else { return "unknown" }
        defer { try? file.close() }
        var hash = SHA256()
        while let chunk = try? file.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(data: chunk) }
        return NodeAttestation.hex(hash.finalize())
    }
}
