// An X25519 private key (CKK_EC_MONTGOMERY), stored as PKCS#8 DER (RFC 8410).

import Crypto
import _CryptoExtras

/// An X25519 private key.
public struct X25519PrivateKey: PrivateKeyMaterial {
    let key: Curve25519.KeyAgreement.PrivateKey

    /// Generates a new key.
    public init() { key = Curve25519.KeyAgreement.PrivateKey() }

    /// Parses PKCS#8 DER (RFC 8410).
    public init(derRepresentation der: SecretBytes) throws(CryptoError) {
        do {
            key = try der.withUnsafeBytes { try Curve25519.KeyAgreement.PrivateKey(derRepresentation: $0) }
        } catch {
            throw .keyEncodingInvalid("not an X25519 PKCS#8 key")
        }
    }

    /// Builds a key from its 32-byte scalar (RFC 7748 section 5).
    init(scalar: [UInt8]) throws(CryptoError) {
        do {
            key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: scalar)
        } catch {
            throw .keyEncodingInvalid("X25519 scalar must be 32 bytes")
        }
    }

    public var algorithm: AsymmetricAlgorithm { .x25519 }
    public var keySizeInBits: Int { 255 }
    public var publicKey: any PublicKeyMaterial { X25519PublicKey(key.publicKey) }
    public func serialized() -> SecretBytes { SecretBytes(key.derRepresentation) }

    /// The X25519 shared secret with the peer's 32-byte u-coordinate; a bad peer value is a bad
    /// mechanism parameter (it arrives in CK_ECDH1_DERIVE_PARAMS.pPublicData).
    func sharedSecret(with peer: [UInt8]) throws(CryptoError) -> SecretBytes {
        guard peer.count == 32, let peerKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: peer) else {
            throw .mechanismParamInvalid("X25519 public data must be a 32-byte u-coordinate")
        }
        do {
            return try key.sharedSecretFromKeyAgreement(with: peerKey).withUnsafeBytes { SecretBytes($0) }
        } catch {
            // RFC 7748 section 6.1: an all-zero result (a low-order peer point) is refused.
            throw .mechanismParamInvalid("X25519 with this public data gives no usable secret")
        }
    }
}
