// CKM_RSA_PKCS (sign/verify) and CKM_SHA256/384/512_RSA_PKCS: EMSA-PKCS1-v1_5 signatures.

import Crypto

/// PKCS#1 v1.5 signatures, raw or hash-and-sign.
public struct RSAPKCS1Signature: SignatureMechanism {
    /// `raw` signs the caller's bytes (a DigestInfo, usually) as they are; the others hash the message.
    public enum Variant: Sendable { case raw, sha256, sha384, sha512 }
    public let variant: Variant
    public let sizes: RSAKeySize

    public init(_ variant: Variant, sizes: RSAKeySize = .standard) {
        self.variant = variant
        self.sizes = sizes
    }

    public var type: MechanismType {
        switch variant {
        case .raw: .rsaPKCS
        case .sha256: .sha256RSAPKCS
        case .sha384: .sha384RSAPKCS
        case .sha512: .sha512RSAPKCS
        }
    }

    public var info: MechanismInfo { sizes.info([.sign, .verify]) }

    public func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        try checkNoParameters(parameters)
        let privateKey = try key.privateKey(RSAPrivateKey.self, for: type)
        try sizes.check(privateKey.keySizeInBits)
        let (input, padding) = try encodingInput(data, modulusBits: privateKey.keySizeInBits)
        return try privateKey.backendKey.sign(input, padding: padding)
    }

    public func verify(
        _ signature: [UInt8], for data: [UInt8], key: KeyMaterial, parameters: MechanismParameters
    ) throws(CryptoError) {
        try checkNoParameters(parameters)
        let publicKey = try key.publicKey(RSAPublicKey.self, orPublicHalfOf: RSAPrivateKey.self, for: type)
        try sizes.check(publicKey.keySizeInBits)
        try RSAKeySize.checkSignatureLength(signature, modulusBits: publicKey.keySizeInBits)
        let (input, padding) = try encodingInput(data, modulusBits: publicKey.keySizeInBits)
        guard try publicKey.backendKey.verify(signature, for: input, padding: padding) else { throw .signatureInvalid }
    }

    private func checkNoParameters(_ parameters: MechanismParameters) throws(CryptoError) {
        guard parameters == .none else { throw .mechanismParamInvalid("\(type) takes no parameter") }
    }

    private func encodingInput(_ data: [UInt8], modulusBits: Int) throws(CryptoError) -> ([UInt8], RSASignaturePadding) {
        switch variant {
        case .raw:
            // PKCS#11 3.0 section 2.1.6: input at most k-11 bytes, so that type-1 padding has 8 bytes of 0xFF.
            let limit = (modulusBits + 7) / 8 - 11
            guard data.count <= limit else { throw .dataLenRange("CKM_RSA_PKCS input is at most \(limit) bytes") }
            return (data, .pkcs1(hash: nil))
        case .sha256: return (Array(SHA256.hash(data: data)), .pkcs1(hash: .sha256))
        case .sha384: return (Array(SHA384.hash(data: data)), .pkcs1(hash: .sha384))
        case .sha512: return (Array(SHA512.hash(data: data)), .pkcs1(hash: .sha512))
        }
    }
}
