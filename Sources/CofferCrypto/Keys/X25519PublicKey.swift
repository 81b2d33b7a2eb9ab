// An X25519 public key (CKK_EC_MONTGOMERY), stored as SubjectPublicKeyInfo DER (RFC 8410).

import Crypto
import _CryptoExtras

/// An X25519 public key.
public struct X25519PublicKey: PublicKeyMaterial {
    let key: Curve25519.KeyAgreement.PublicKey

    init(_ key: Curve25519.KeyAgreement.PublicKey) { self.key = key }

    /// Parses SubjectPublicKeyInfo DER, or the raw 32-byte u-coordinate.
    public init(encoded: [UInt8]) throws(CryptoError) {
        do {
            key = encoded.count == 32
                ? try Curve25519.KeyAgreement.PublicKey(rawRepresentation: encoded)
                : try Curve25519.KeyAgreement.PublicKey(derRepresentation: encoded)
        } catch {
            throw .keyEncodingInvalid("not an X25519 public key")
        }
    }

    public var algorithm: AsymmetricAlgorithm { .x25519 }
    public var keySizeInBits: Int { 255 }
    public var serialized: [UInt8] { Array(key.derRepresentation) }
    /// The raw 32-byte u-coordinate (CKA_EC_POINT's content).
    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }
}
