// An Ed25519 public key (CKK_EC_EDWARDS), stored as SubjectPublicKeyInfo DER (RFC 8410).

import Crypto
import _CryptoExtras

/// An Ed25519 public key.
public struct Ed25519PublicKey: PublicKeyMaterial {
    let key: Curve25519.Signing.PublicKey

    init(_ key: Curve25519.Signing.PublicKey) { self.key = key }

    /// Parses SubjectPublicKeyInfo DER, or the raw 32-byte encoding (RFC 8032 section 5.1.2).
    public init(encoded: [UInt8]) throws(CryptoError) {
        do {
            key = encoded.count == 32
                ? try Curve25519.Signing.PublicKey(rawRepresentation: encoded)
                : try Curve25519.Signing.PublicKey(derRepresentation: encoded)
        } catch {
            throw .keyEncodingInvalid("not an Ed25519 public key")
        }
    }

    public var algorithm: AsymmetricAlgorithm { .ed25519 }
    public var keySizeInBits: Int { 255 }
    public var serialized: [UInt8] { Array(key.derRepresentation) }
    /// The raw 32-byte encoding (CKA_EC_POINT's content).
    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }
}
