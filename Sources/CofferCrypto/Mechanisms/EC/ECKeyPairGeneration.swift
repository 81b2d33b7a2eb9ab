// CKM_EC_KEY_PAIR_GEN for the NIST curves on swift-crypto.

/// EC key pair generation on P-256, P-384 or P-521.
public struct ECKeyPairGeneration: KeyPairGenerationMechanism {
    public init() {}

    public var type: MechanismType { .ecKeyPairGen }
    public var info: MechanismInfo { ECDSASignature.curveInfo([.generateKeyPair]) }

    public func generateKeyPair(_ parameters: KeyPairParameters) throws(CryptoError) -> any PrivateKeyMaterial {
        guard case .ec(let curve) = parameters else { throw .keyTypeInconsistent("\(type) makes EC keys only") }
        return try ECPrivateKey(generatingOn: curve)
    }
}
