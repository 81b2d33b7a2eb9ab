// An Ed25519 private key (CKK_EC_EDWARDS), stored as PKCS#8 DER (RFC 8410).

import Crypto
import _CryptoExtras

/// An Ed25519 private key.
public struct Ed25519PrivateKey: PrivateKeyMaterial {
    let key: Curve25519.Signing.PrivateKey

    init(_ key: Curve25519.Signing.PrivateKey) { self.key = key }

    /// Generates a new key.
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// Parses PKCS#8 DER (RFC 8410).
    public init(derRepresentation der: SecretBytes) throws(CryptoError) {
        do {
            key = try der.withUnsafeBytes { try Curve25519.Signing.PrivateKey(derRepresentation: $0) }
        } catch {
            throw .keyEncodingInvalid("not an Ed25519 PKCS#8 key")
        }
    }

    /// Builds a key from its 32-byte seed (RFC 8032 section 5.1.5).
    init(seed: [UInt8]) throws(CryptoError) {
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        } catch {
            throw .keyEncodingInvalid("Ed25519 seed must be 32 bytes")
        }
    }

    public var algorithm: AsymmetricAlgorithm { .ed25519 }
    public var keySizeInBits: Int { 255 }
    public var publicKey: any PublicKeyMaterial { Ed25519PublicKey(key.publicKey) }
    public func serialized() -> SecretBytes { SecretBytes(key.derRepresentation) }
}
