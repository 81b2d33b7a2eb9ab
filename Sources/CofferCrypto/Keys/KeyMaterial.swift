// Key material as the mechanisms see it: parsed once, held in memory, zeroised when released.
// The state layer seals `serialized` forms; the hot path never re-parses them.

import Crypto

/// The key a mechanism operates on.
public enum KeyMaterial: Sendable {
    /// CKK_AES and CKK_GENERIC_SECRET. `SymmetricKey` zeroises its storage when released.
    case secret(SymmetricKey)
    case privateKey(any PrivateKeyMaterial)
    case publicKey(any PublicKeyMaterial)
}

/// Which asymmetric algorithm and size a key belongs to.
public enum AsymmetricAlgorithm: Sendable, Hashable {
    case rsa
    case ec(ECCurve)
    case ed25519
    case ed448
    case x25519
    case mlDSA(MLDSAParameterSet)
    case mlKEM(MLKEMParameterSet)
}

/// A public key.
public protocol PublicKeyMaterial: Sendable {
    var algorithm: AsymmetricAlgorithm { get }
    /// Modulus bits for RSA, field bits for EC; the parameter set's nominal size otherwise.
    var keySizeInBits: Int { get }
    /// DER SubjectPublicKeyInfo, or the raw FIPS 203/204 encoding for ML-KEM and ML-DSA.
    var serialized: [UInt8] { get }
}

/// A private key, which always knows its public key.
public protocol PrivateKeyMaterial: Sendable {
    var algorithm: AsymmetricAlgorithm { get }
    var keySizeInBits: Int { get }
    var publicKey: any PublicKeyMaterial { get }
    /// The private key's storage form (PKCS#8 DER, or the seed for ML-KEM and ML-DSA).
    /// The caller seals it and must not keep it longer than that takes.
    func serialized() -> SecretBytes
}
