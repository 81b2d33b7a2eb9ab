// CKM_ML_DSA (PKCS#11 3.2): pure ML-DSA with an optional context (CK_SIGN_ADDITIONAL_CONTEXT).
// Signing is hedged (randomised), as FIPS 204 recommends.

/// Pure ML-DSA signatures.
public struct MLDSASignature: SignatureMechanism {
    public init() {}

    public var type: MechanismType { .mlDSA }
    public var info: MechanismInfo {
        MechanismInfo(minKeySize: MLDSAParameterSet.mlDSA65.rawValue, maxKeySize: MLDSAParameterSet.mlDSA87.rawValue, flags: [.sign, .verify])
    }

    public func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let context = try checkedContext(parameters)
        let privateKey = try key.privateKey(MLDSAPrivateKey.self, for: type)
        return try privateKey.signature(for: data, context: context)
    }

    public func verify(
        _ signature: [UInt8], for data: [UInt8], key: KeyMaterial, parameters: MechanismParameters
    ) throws(CryptoError) {
        let context = try checkedContext(parameters)
        let publicKey = try key.publicKey(MLDSAPublicKey.self, orPublicHalfOf: MLDSAPrivateKey.self, for: type)
        guard signature.count == publicKey.signatureByteCount else {
            throw .signatureLenRange("\(publicKey.parameterSet) signatures are \(publicKey.signatureByteCount) bytes")
        }
        guard publicKey.isValidSignature(signature, for: data, context: context) else { throw .signatureInvalid }
    }

    // FIPS 204 section 5.2: the context is at most 255 bytes.
    private func checkedContext(_ parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        switch parameters {
        case .none: return []
        case .signatureContext(let context) where context.count <= 255: return context
        default: throw .mechanismParamInvalid("CKM_ML_DSA takes only a context of at most 255 bytes")
        }
    }
}
