// The asymmetric mechanisms (RSA, ECDSA, ECDH, EdDSA, X25519, ML-DSA, ML-KEM).

extension MechanismRegistry {
    static let asymmetricMechanisms: [any Mechanism] = [
        RSAKeyPairGeneration(),
        RSAPKCS1Signature(.raw),
        RSAPKCS1Signature(.sha256),
        RSAPKCS1Signature(.sha384),
        RSAPKCS1Signature(.sha512),
        RSAPSSSignature(.raw),
        RSAPSSSignature(.sha256),
        RSAPSSSignature(.sha384),
        RSAPSSSignature(.sha512),
        RSAOAEPCipher(),
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
    ]
}
