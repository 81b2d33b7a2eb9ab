// CKM_EDDSA: pure Ed25519 (RFC 8032) on swift-crypto and pure Ed448 on OpenSSL. The ph and ctx
// variants are not offered.

/// Pure Ed25519 and Ed448 signatures.
public struct EdDSASignature: SignatureMechanism {
    public init() {}

    public var type: MechanismType { .eddsa }
    public var info: MechanismInfo { MechanismInfo(minKeySize: 255, maxKeySize: 448, flags: [.sign, .verify]) }

    public func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        try checkPure(parameters)
        if case .privateKey(let ed448 as Ed448PrivateKey) = key { return try ed448.signature(for: data) }
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
        if let ed448 = Self.ed448PublicKey(key) {
            guard signature.count == 114 else { throw .signatureLenRange("Ed448 signatures are 114 bytes") }
            guard ed448.isValidSignature(signature, for: data) else { throw .signatureInvalid }
            return
        }
        let publicKey = try key.publicKey(Ed25519PublicKey.self, orPublicHalfOf: Ed25519PrivateKey.self, for: type)
        guard signature.count == 64 else { throw .signatureLenRange("Ed25519 signatures are 64 bytes") }
        guard publicKey.key.isValidSignature(signature, for: data) else { throw .signatureInvalid }
    }

    /// The Ed448 public key of `key`, if it is an Ed448 key (either half).
    private static func ed448PublicKey(_ key: KeyMaterial) -> Ed448PublicKey? {
        switch key {
        case .publicKey(let ed448 as Ed448PublicKey): ed448
        case .privateKey(let ed448 as Ed448PrivateKey): ed448.publicKey as? Ed448PublicKey
        default: nil
        }
    }

    // PKCS#11 3.0 section 2.3.14: no parameter means pure EdDSA. Any CK_EDDSA_PARAMS, even with
    // phFlag false and an empty or NULL context, selects RFC 8032's Ed25519ctx or Ed25519ph (or
    // Ed448 with a context or prehash), whose signatures carry the dom2/dom4 prefix and so differ
    // from pure Ed25519's (RFC 8032 section 5.1). They are refused rather than answered with the
    // pure form, which would let a pure signature verify in the ctx domain.
    private func checkPure(_ parameters: MechanismParameters) throws(CryptoError) {
        guard case .none = parameters else {
            throw .mechanismParamInvalid("CK_EDDSA_PARAMS selects a ctx or ph variant; only pure EdDSA (no parameter) is supported")
        }
    }
}
