// CKM_EC_EDWARDS_KEY_PAIR_GEN: Ed25519 keys (swift-crypto) and Ed448 keys (OpenSSL).

/// Edwards-curve key pair generation.
public struct EdwardsKeyPairGeneration: KeyPairGenerationMechanism {
    public init() {}

    public var type: MechanismType { .ecEdwardsKeyPairGen }
    public var info: MechanismInfo {
        MechanismInfo(minKeySize: 255, maxKeySize: 448, flags: [.generateKeyPair, .ecNamedCurve, .ecCurveName])
    }

    public func generateKeyPair(_ parameters: KeyPairParameters) throws(CryptoError) -> any PrivateKeyMaterial {
        switch parameters {
        case .ed25519: return Ed25519PrivateKey()
        case .ed448: return try Ed448PrivateKey()
        default: throw .keyTypeInconsistent("\(type) makes Ed25519 and Ed448 keys only")
        }
    }
}
