// The asymmetric mechanisms (RSA, ECDSA, ECDH, EdDSA, X25519, ML-DSA, ML-KEM).

extension MechanismRegistry {
    static let asymmetricMechanisms: [any Mechanism] = []
}
