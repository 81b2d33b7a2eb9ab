// CKM_RSA_PKCS_OAEP: RSAES-OAEP encryption with the hash, MGF1 hash and label of CK_RSA_PKCS_OAEP_PARAMS.

/// RSA-OAEP encrypt and decrypt (and so wrap and unwrap).
public struct RSAOAEPCipher: CipherMechanism {
    public let sizes: RSAKeySize

    public init(sizes: RSAKeySize = .standard) { self.sizes = sizes }

    public var type: MechanismType { .rsaPKCSOAEP }
    public var info: MechanismInfo { sizes.info([.encrypt, .decrypt, .wrap, .unwrap]) }

    public func encrypt(_ plaintext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let publicKey = try key.publicKey(RSAPublicKey.self, orPublicHalfOf: RSAPrivateKey.self, for: type)
        try sizes.check(publicKey.keySizeInBits)
        let oaep = try checkedParameters(parameters)
        // RFC 8017 section 7.1.1: mLen <= k - 2hLen - 2.
        let limit = (publicKey.keySizeInBits + 7) / 8 - 2 * oaep.hash.byteCount - 2
        guard plaintext.count <= limit else { throw .dataLenRange("OAEP plaintext is at most \(limit) bytes for this key") }
        return try publicKey.backendKey.encrypt(plaintext, padding: .oaep(oaep))
    }

    public func decrypt(_ ciphertext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let privateKey = try key.privateKey(RSAPrivateKey.self, for: type)
        try sizes.check(privateKey.keySizeInBits)
        let oaep = try checkedParameters(parameters)
        let k = (privateKey.keySizeInBits + 7) / 8
        guard ciphertext.count == k else { throw .encryptedDataLenRange("OAEP ciphertext must be \(k) bytes") }
        return try privateKey.backendKey.decrypt(ciphertext, padding: .oaep(oaep))
    }

    private func checkedParameters(_ parameters: MechanismParameters) throws(CryptoError) -> RSAOAEPParameters {
        guard case .oaep(let hashType, let mgf, let label) = parameters, let hash = RSAHash(mechanism: hashType) else {
            throw .mechanismParamInvalid("CKM_RSA_PKCS_OAEP needs CK_RSA_PKCS_OAEP_PARAMS with SHA-1 or SHA-2")
        }
        return RSAOAEPParameters(hash: hash, mgf: RSAHash(mgf: mgf), label: label)
    }
}
