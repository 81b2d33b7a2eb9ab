// CKM_EDDSA: pure Ed25519 (RFC 8032) on swift-crypto. Ed25519ph and Ed25519ctx are not offered.

/// Pure Ed25519 signatures.
public struct EdDSASignature: SignatureMechanism {
    public init() {}

    public var type: MechanismType { .eddsa }
    public var info: MechanismInfo { MechanismInfo(minKeySize: 255, maxKeySize: 255, flags: [.sign, .verify]) }

    public func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        try checkPure(parameters)
        let privateKey = try key.privateKey(Ed25519PrivateKey.self, for: type)
        do {
            return Array(try privateKey.key.signature(for: data))
        } catch {
            throw .backendFailure("Ed25519 signing: \(error)")
        }
    }

    public func verify(
        _ signature: [UInt8], for data: [UInt8], key: KeyMaterial, parameters: MechanismParameters
    ) throws(CryptoError) {
        try checkPure(parameters)
        let publicKey = try key.publicKey(Ed25519PublicKey.self, orPublicHalfOf: Ed25519PrivateKey.self, for: type)
        guard signature.count == 64 else { throw .signatureLenRange("Ed25519 signatures are 64 bytes") }
        guard publicKey.key.isValidSignature(signature, for: data) else { throw .signatureInvalid }
    }

    // PKCS#11 3.0 section 2.3.14: no parameter means Ed25519; CK_EDDSA_PARAMS with phFlag false and
    // no context is the same thing. Prehash or a context would be Ed25519ph/ctx, which Coffer lacks.
    private func checkPure(_ parameters: MechanismParameters) throws(CryptoError) {
        switch parameters {
        case .none, .eddsa(prehash: false, context: []): return
        default: throw .mechanismParamInvalid("only pure Ed25519 is supported")
        }
    }
}
