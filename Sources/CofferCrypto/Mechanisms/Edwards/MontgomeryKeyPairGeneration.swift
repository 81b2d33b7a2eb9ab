// CKM_EC_MONTGOMERY_KEY_PAIR_GEN: X25519 keys only.

/// X25519 key pair generation.
public struct MontgomeryKeyPairGeneration: KeyPairGenerationMechanism {
    public init() {}

    public var type: MechanismType { .ecMontgomeryKeyPairGen }
    public var info: MechanismInfo {
        MechanismInfo(minKeySize: 255, maxKeySize: 255, flags: [.generateKeyPair, .ecNamedCurve, .ecCurveName])
    }

    public func generateKeyPair(_ parameters: KeyPairParameters) throws(CryptoError) -> any PrivateKeyMaterial {
        guard parameters == .x25519 else { throw .keyTypeInconsistent("\(type) makes X25519 keys only") }
        return X25519PrivateKey()
    }
}
