// Building private keys from the components PKCS#11's C_CreateObject supplies (CKA_VALUE for EC,
// Edwards and Montgomery keys; the RSA numbers), so an imported key is parsed and checked once.

import Crypto
import _CryptoExtras

/// Private keys from their PKCS#11 components.
public enum PrivateKeyImport {
    /// An RSA key from n, e, d, p and q (big-endian). swift-crypto checks that the numbers belong together.
    public static func rsa(
        modulus: [UInt8], publicExponent: [UInt8], privateExponent: SecretBytes, prime1: SecretBytes, prime2: SecretBytes
    ) throws(CryptoError) -> any PrivateKeyMaterial {
        let pkcs8: SecretBytes
        do {
            let key = try privateExponent.withUnsafeBytes { d in
                try prime1.withUnsafeBytes { p in
                    try prime2.withUnsafeBytes { q in
                        try _RSA.Signing.PrivateKey(n: modulus, e: publicExponent, d: Array(d), p: Array(p), q: Array(q))
                    }
                }
            }
            pkcs8 = SecretBytes(key.pkcs8DERRepresentation)
        } catch {
            throw .keyEncodingInvalid("RSA private key components do not form a valid key")
        }
        return try KeyCodec.privateKey(algorithm: .rsa, serialized: pkcs8)
    }

    /// An EC key on `curve` from its private scalar (CKA_VALUE, big-endian).
    public static func ec(curve: ECCurve, scalar: SecretBytes) throws(CryptoError) -> any PrivateKeyMaterial {
        let der: SecretBytes
        do {
            der = try scalar.withUnsafeBytes { raw in
                switch curve {
                case .p256: SecretBytes(try P256.Signing.PrivateKey(rawRepresentation: raw).derRepresentation)
                case .p384: SecretBytes(try P384.Signing.PrivateKey(rawRepresentation: raw).derRepresentation)
                case .p521: SecretBytes(try P521.Signing.PrivateKey(rawRepresentation: raw).derRepresentation)
                }
            }
        } catch {
            throw .keyEncodingInvalid("not a valid \(curve.rawValue) private scalar")
        }
        return try KeyCodec.privateKey(algorithm: .ec(curve), serialized: der)
    }

    /// An Ed25519 key from its 32-byte seed (CKA_VALUE).
    public static func ed25519(seed: SecretBytes) throws(CryptoError) -> any PrivateKeyMaterial {
        try Ed25519PrivateKey(seed: seed.unsafeCopy)
    }

    /// An X25519 key from its 32-byte scalar (CKA_VALUE).
    public static func x25519(scalar: SecretBytes) throws(CryptoError) -> any PrivateKeyMaterial {
        try X25519PrivateKey(scalar: scalar.unsafeCopy)
    }
}
