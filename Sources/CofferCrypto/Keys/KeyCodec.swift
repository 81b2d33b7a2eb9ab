// Turns the stored forms of asymmetric keys (`PrivateKeyMaterial.serialized()`,
// `PublicKeyMaterial.serialized`) back into keys. The state layer unseals, then calls this once.

/// Parsers for serialized asymmetric keys.
public enum KeyCodec {
    /// Parses a private key: PKCS#8 DER for RSA, EC, Ed25519, Ed448 and X25519; the seed for ML-DSA and ML-KEM.
    public static func privateKey(algorithm: AsymmetricAlgorithm, serialized: SecretBytes) throws(CryptoError)
        -> any PrivateKeyMaterial
    {
        switch algorithm {
        case .rsa: try RSAPrivateKey(derRepresentation: serialized)
        case .ec(let curve): try ECPrivateKey(curve: curve, derRepresentation: serialized)
        case .ed25519: try Ed25519PrivateKey(derRepresentation: serialized)
        case .ed448: try Ed448PrivateKey(derRepresentation: serialized)
        case .x25519: try X25519PrivateKey(derRepresentation: serialized)
        case .mlDSA(let set): try MLDSAPrivateKey(parameterSet: set, seed: serialized)
        case .mlKEM(let set): try MLKEMPrivateKey(parameterSet: set, seed: serialized)
        }
    }

    /// Parses a public key: SubjectPublicKeyInfo DER, or the FIPS 203/204 encoding for ML-KEM and ML-DSA.
    public static func publicKey(algorithm: AsymmetricAlgorithm, serialized: [UInt8]) throws(CryptoError)
        -> any PublicKeyMaterial
    {
        switch algorithm {
        case .rsa: try RSAPublicKey(derRepresentation: serialized)
        case .ec(let curve): try ECPublicKey(curve: curve, encoded: serialized)
        case .ed25519: try Ed25519PublicKey(encoded: serialized)
        case .ed448: try Ed448PublicKey(encoded: serialized)
        case .x25519: try X25519PublicKey(encoded: serialized)
        case .mlDSA(let set): try MLDSAPublicKey(parameterSet: set, encoded: serialized)
        case .mlKEM(let set): try MLKEMPublicKey(parameterSet: set, encoded: serialized)
        }
    }
}
