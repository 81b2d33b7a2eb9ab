// CKM_RSA_PKCS_PSS (input is the hash) and CKM_SHA256/384/512_RSA_PKCS_PSS: EMSA-PSS signatures.

import Crypto

/// RSASSA-PSS signatures with the hash, MGF1 hash and salt length from `CK_RSA_PKCS_PSS_PARAMS`.
public struct RSAPSSSignature: SignatureMechanism {
    /// `raw` takes an already-computed hash; the others hash the message.
    public enum Variant: Sendable { case raw, sha256, sha384, sha512 }
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

    public func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let privateKey = try key.privateKey(RSAPrivateKey.self, for: type)
        try sizes.check(privateKey.keySizeInBits)
        let padding = try checkedPadding(parameters, modulusBits: privateKey.keySizeInBits)
        return try privateKey.backendKey.sign(hashed(data, padding), padding: padding)
    }

    public func verify(
        _ signature: [UInt8], for data: [UInt8], key: KeyMaterial, parameters: MechanismParameters
    ) throws(CryptoError) {
        let publicKey = try key.publicKey(RSAPublicKey.self, orPublicHalfOf: RSAPrivateKey.self, for: type)
        try sizes.check(publicKey.keySizeInBits)
        let padding = try checkedPadding(parameters, modulusBits: publicKey.keySizeInBits)
        try RSAKeySize.checkSignatureLength(signature, modulusBits: publicKey.keySizeInBits)
        guard try publicKey.backendKey.verify(signature, for: hashed(data, padding), padding: padding) else {
            throw .signatureInvalid
        }
    }

    private var fixedHash: RSAHash? {
        switch variant {
        case .raw: nil
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        }
    }

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

    private func hashed(_ data: [UInt8], _ padding: RSASignaturePadding) throws(CryptoError) -> [UInt8] {
        guard case .pss(let hash, _, _) = padding else { return data }
        switch variant {
        case .raw:
            guard data.count == hash.byteCount else {
                throw .dataLenRange("CKM_RSA_PKCS_PSS input must be the \(hash.byteCount)-byte hash")
            }
            return data
        case .sha256: return Array(SHA256.hash(data: data))
        case .sha384: return Array(SHA384.hash(data: data))
        case .sha512: return Array(SHA512.hash(data: data))
        }
    }
}
