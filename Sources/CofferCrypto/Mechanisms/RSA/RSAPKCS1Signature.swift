// CKM_RSA_PKCS (sign/verify) and CKM_SHA256/384/512_RSA_PKCS: EMSA-PKCS1-v1_5 signatures.

import Crypto

/// PKCS#1 v1.5 signatures, raw or hash-and-sign.
public struct RSAPKCS1Signature: HashThenSignMechanism {
    /// `raw` signs the caller's bytes (a DigestInfo, usually) as they are; the others hash the message.
    public typealias Variant = SignatureHashVariant
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

    /// CKM_RSA_PKCS also wraps and unwraps secret keys (`KeyTransportMechanism`); it encrypts no data.
    public var info: MechanismInfo { sizes.info(variant == .raw ? [.sign, .verify, .wrap, .unwrap] : [.sign, .verify]) }

    public var messageHash: MessageHash? { variant.messageHash }

    public func sign(digest: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        try checkNoParameters(parameters)
        let privateKey = try key.privateKey(RSAPrivateKey.self, for: type)
        try sizes.check(privateKey.keySizeInBits)
        return try privateKey.backendKey.sign(digest, padding: try padding(for: digest, modulusBits: privateKey.keySizeInBits))
    }

    public func verify(
        _ signature: [UInt8], digest: [UInt8], key: KeyMaterial, parameters: MechanismParameters
    ) throws(CryptoError) {
        try checkNoParameters(parameters)
        let publicKey = try key.publicKey(RSAPublicKey.self, orPublicHalfOf: RSAPrivateKey.self, for: type)
        try sizes.check(publicKey.keySizeInBits)
        try RSAKeySize.checkSignatureLength(signature, modulusBits: publicKey.keySizeInBits)
        let padding = try padding(for: digest, modulusBits: publicKey.keySizeInBits)
        guard try publicKey.backendKey.verify(signature, for: digest, padding: padding) else { throw .signatureInvalid }
    }

    private func checkNoParameters(_ parameters: MechanismParameters) throws(CryptoError) {
        guard parameters == .none else { throw .mechanismParamInvalid("\(type) takes no parameter") }
    }

    /// The padding for `digest`, checked: CKM_RSA_PKCS takes the caller's bytes (a DigestInfo, usually), the
    /// others their hash.
    private func padding(for digest: [UInt8], modulusBits: Int) throws(CryptoError) -> RSASignaturePadding {
        guard let messageHash else {
            // PKCS#11 3.0 section 2.1.6: input at most k-11 bytes, so that type-1 padding has 8 bytes of 0xFF.
            let limit = (modulusBits + 7) / 8 - 11
            guard digest.count <= limit else { throw .dataLenRange("CKM_RSA_PKCS input is at most \(limit) bytes") }
            return .pkcs1(hash: nil)
        }
        guard digest.count == messageHash.byteCount else { throw .dataLenRange("\(type) digest must be \(messageHash.byteCount) bytes") }
        return .pkcs1(hash: RSAHash(messageHash))
    }
}
