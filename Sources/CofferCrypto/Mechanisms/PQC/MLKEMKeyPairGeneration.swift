// CKM_ML_KEM_KEY_PAIR_GEN (PKCS#11 3.2) on swift-crypto.

/// ML-KEM-768 and ML-KEM-1024 key pair generation.
public struct MLKEMKeyPairGeneration: KeyPairGenerationMechanism {
    public init() {}

    public var type: MechanismType { .mlKEMKeyPairGen }
    /// PKCS#11 3.2 gives ML-KEM key sizes as CKP_ML_KEM_* parameter set values.
    public var info: MechanismInfo {
        MechanismInfo(minKeySize: MLKEMParameterSet.mlKEM768.rawValue, maxKeySize: MLKEMParameterSet.mlKEM1024.rawValue, flags: [.generateKeyPair])
    }

    public func generateKeyPair(_ parameters: KeyPairParameters) throws(CryptoError) -> any PrivateKeyMaterial {
        guard case .mlKEM(let set) = parameters else { throw .keyTypeInconsistent("\(type) makes ML-KEM keys only") }
        return try MLKEMPrivateKey(generating: set)
    }
}
