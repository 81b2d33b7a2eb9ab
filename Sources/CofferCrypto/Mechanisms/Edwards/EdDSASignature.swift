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

    // PKCS#11 3.0 section 2.3.14: no parameter means pure Ed25519. Any CK_EDDSA_PARAMS, even with
    // phFlag false and an empty or NULL context, selects RFC 8032's Ed25519ctx or Ed25519ph, whose
    // signatures carry the dom2 prefix and so differ from pure Ed25519's (RFC 8032 section 5.1).
    // swift-crypto has neither, so they are refused rather than answered with pure Ed25519, which
    // would let a pure signature verify in the ctx domain.
    private func checkPure(_ parameters: MechanismParameters) throws(CryptoError) {
        guard case .none = parameters else {
            throw .mechanismParamInvalid("CK_EDDSA_PARAMS selects Ed25519ctx/Ed25519ph; only pure Ed25519 (no parameter) is supported")
        }
    }
}
