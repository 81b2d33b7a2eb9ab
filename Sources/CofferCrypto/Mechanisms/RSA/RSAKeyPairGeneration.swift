// CKM_RSA_PKCS_KEY_PAIR_GEN on the RSA backend.

/// RSA key pair generation, in whole bytes within the node's RSA size policy (2048 to 4096 bits
/// by default).
public struct RSAKeyPairGeneration: KeyPairGenerationMechanism {
    public let sizes: RSAKeySize
    /// F4, the default when the template gives no CKA_PUBLIC_EXPONENT.
    static let defaultPublicExponent: [UInt8] = [0x01, 0x00, 0x01]

    public init(sizes: RSAKeySize = .standard) { self.sizes = sizes }

    public var type: MechanismType { .rsaPKCSKeyPairGen }
    public var info: MechanismInfo { sizes.info([.generateKeyPair]) }

    public func generateKeyPair(_ parameters: KeyPairParameters) throws(CryptoError) -> any PrivateKeyMaterial {
        guard case .rsa(let bits, let exponent) = parameters else {
            throw .keyTypeInconsistent("\(type) makes RSA keys only")
        }
        guard sizes.allowed.contains(bits), bits % 8 == 0 else {
            throw .keySizeRange(
                "RSA modulus must be \(sizes.minimumBits) to \(RSAKeySize.maximumBits) bits in whole bytes on this node, not \(bits)")
        }
        let e = try Self.checkedExponent(exponent)
        return try RSAPrivateKey(RSABackends.current.generateKey(bits: bits, publicExponent: e))
    }

    /// An odd exponent of at least 3 and at most 64 bits, or F4 if none was given.
    static func checkedExponent(_ exponent: [UInt8]) throws(CryptoError) -> [UInt8] {
        let trimmed = Array(exponent.drop { $0 == 0 })
        if exponent.isEmpty { return defaultPublicExponent }
        guard let last = trimmed.last, last & 1 == 1, trimmed.count <= 8, trimmed != [1] else {
            throw .keyEncodingInvalid("RSA public exponent must be odd, at least 3 and at most 64 bits")
        }
        return trimmed
    }
}
