// CKM_EC_EDWARDS_KEY_PAIR_GEN: Ed25519 keys only.

/// Ed25519 key pair generation.
public struct EdwardsKeyPairGeneration: KeyPairGenerationMechanism {
    public init() {}

    public var type: MechanismType { .ecEdwardsKeyPairGen }
    public var info: MechanismInfo {
        MechanismInfo(minKeySize: 255, maxKeySize: 255, flags: [.generateKeyPair, .ecNamedCurve, .ecCurveName])
    }

    public func generateKeyPair(_ parameters: KeyPairParameters) throws(CryptoError) -> any PrivateKeyMaterial {
        guard parameters == .ed25519 else { throw .keyTypeInconsistent("\(type) makes Ed25519 keys only") }
        return Ed25519PrivateKey()
    }
}
