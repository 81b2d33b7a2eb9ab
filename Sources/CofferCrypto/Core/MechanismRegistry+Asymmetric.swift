// The asymmetric mechanisms (RSA, ECDSA, ECDH, EdDSA, X25519, ML-DSA, ML-KEM).

extension MechanismRegistry {
    static let asymmetricMechanisms = asymmetricMechanisms(rsa: .standard)

    /// The asymmetric mechanisms, with RSA under the size policy `rsa`.
    static func asymmetricMechanisms(rsa: RSAKeySize) -> [any Mechanism] { [
        RSAKeyPairGeneration(sizes: rsa),
        RSAPKCS1Signature(.raw, sizes: rsa),
        RSAPKCS1Signature(.sha256, sizes: rsa),
        RSAPKCS1Signature(.sha384, sizes: rsa),
        RSAPKCS1Signature(.sha512, sizes: rsa),
        RSAPSSSignature(.raw, sizes: rsa),
        RSAPSSSignature(.sha256, sizes: rsa),
        RSAPSSSignature(.sha384, sizes: rsa),
        RSAPSSSignature(.sha512, sizes: rsa),
        RSAOAEPCipher(sizes: rsa),
        ECKeyPairGeneration(),
        ECDSASignature(.raw),
        ECDSASignature(.sha256),
        ECDSASignature(.sha384),
        ECDSASignature(.sha512),
        ECDH1Derive(),
        EdwardsKeyPairGeneration(),
        EdDSASignature(),
        MontgomeryKeyPairGeneration(),
        MLDSAKeyPairGeneration(),
        MLDSASignature(),
        MLKEMKeyPairGeneration(),
        MLKEMEncapsulation(),
    ] }
}
