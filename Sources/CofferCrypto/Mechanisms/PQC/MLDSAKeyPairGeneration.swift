// CKM_ML_DSA_KEY_PAIR_GEN (PKCS#11 3.2) on swift-crypto.

/// ML-DSA-65 and ML-DSA-87 key pair generation.
public struct MLDSAKeyPairGeneration: KeyPairGenerationMechanism {
    public init() {}

    public var type: MechanismType { .mlDSAKeyPairGen }
    /// PKCS#11 3.2 gives ML-DSA key sizes as CKP_ML_DSA_* parameter set values.
    public var info: MechanismInfo {
        MechanismInfo(minKeySize: MLDSAParameterSet.mlDSA65.rawValue, maxKeySize: MLDSAParameterSet.mlDSA87.rawValue, flags: [.generateKeyPair])
    }

    public func generateKeyPair(_ parameters: KeyPairParameters) throws(CryptoError) -> any PrivateKeyMaterial {
        guard case .mlDSA(let set) = parameters else { throw .keyTypeInconsistent("\(type) makes ML-DSA keys only") }
        return try MLDSAPrivateKey(generating: set)
    }
}
