// CKM_RSA_PKCS_PSS (input is the hash) and CKM_SHA256/384/512_RSA_PKCS_PSS: EMSA-PSS signatures.

import Crypto

/// RSASSA-PSS signatures with the hash, MGF1 hash and salt length from `CK_RSA_PKCS_PSS_PARAMS`.
public struct RSAPSSSignature: HashThenSignMechanism {
    /// `raw` takes an already-computed hash; the others hash the message.
    public typealias Variant = SignatureHashVariant
    public let variant: Variant
    public let sizes: RSAKeySize

    public init(_ variant: Variant, sizes: RSAKeySize = .standard) {
        self.variant = variant
        self.sizes = sizes
    }

    public var type: MechanismType {
        switch variant {
        case .raw: .rsaPKCSPSS
        case .sha256: .sha256RSAPKCSPSS
        case .sha384: .sha384RSAPKCSPSS
        case .sha512: .sha512RSAPKCSPSS
        }
    }

    public var info: MechanismInfo { sizes.info([.sign, .verify]) }

    public var messageHash: MessageHash? { variant.messageHash }

    public func sign(digest: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let privateKey = try key.privateKey(RSAPrivateKey.self, for: type)
        try sizes.check(privateKey.keySizeInBits)
        let padding = try checkedPadding(parameters, modulusBits: privateKey.keySizeInBits)
        try checkDigest(digest, padding)
        return try privateKey.backendKey.sign(digest, padding: padding)
    }

    public func verify(
        _ signature: [UInt8], digest: [UInt8], key: KeyMaterial, parameters: MechanismParameters
    ) throws(CryptoError) {
        let publicKey = try key.publicKey(RSAPublicKey.self, orPublicHalfOf: RSAPrivateKey.self, for: type)
        try sizes.check(publicKey.keySizeInBits)
        let padding = try checkedPadding(parameters, modulusBits: publicKey.keySizeInBits)
        try RSAKeySize.checkSignatureLength(signature, modulusBits: publicKey.keySizeInBits)
        try checkDigest(digest, padding)
        guard try publicKey.backendKey.verify(signature, for: digest, padding: padding) else { throw .signatureInvalid }
    }

    private var fixedHash: RSAHash? { messageHash.map(RSAHash.init) }

    private func checkedPadding(_ parameters: MechanismParameters, modulusBits: Int) throws(CryptoError) -> RSASignaturePadding {
        guard case .pss(let hashType, let mgf, let saltLength) = parameters, let hash = RSAHash(mechanism: hashType) else {
            throw .mechanismParamInvalid("\(type) needs CK_RSA_PKCS_PSS_PARAMS with SHA-1 or SHA-2")
        }
        // PKCS#11 3.0 section 2.1.15: the hash in the parameters must be the mechanism's own.
        if let fixedHash, fixedHash != hash { throw .mechanismParamInvalid("PSS hash differs from the mechanism's") }
        // RFC 8017 section 9.1.1: emLen >= hLen + sLen + 2, where emLen = ceil((modBits - 1) / 8).
        let emLength = (modulusBits - 1 + 7) / 8
        guard saltLength >= 0, saltLength <= emLength - hash.byteCount - 2 else {
            throw .mechanismParamInvalid("PSS salt length \(saltLength) does not fit the key")
        }
        return .pss(hash: hash, mgf: RSAHash(mgf: mgf), saltLength: saltLength)
    }

    /// The input is the hash the parameters name (for the hashing variants, their own hash of the message).
    private func checkDigest(_ digest: [UInt8], _ padding: RSASignaturePadding) throws(CryptoError) {
        guard case .pss(let hash, _, _) = padding, digest.count != hash.byteCount else { return }
        throw .dataLenRange("\(type) input must be the \(hash.byteCount)-byte hash")
    }
}
