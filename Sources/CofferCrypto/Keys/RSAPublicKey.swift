// An RSA public key (CKK_RSA), held by the RSA backend and stored as SubjectPublicKeyInfo DER.

/// An RSA public key.
public struct RSAPublicKey: PublicKeyMaterial {
    let backendKey: any RSABackendKey
    public let serialized: [UInt8]

    init(_ backendKey: any RSABackendKey) throws(CryptoError) {
        self.backendKey = backendKey
        self.serialized = try backendKey.publicKeyDER()
    }

    /// Parses SubjectPublicKeyInfo DER.
    public init(derRepresentation der: [UInt8]) throws(CryptoError) {
        try self.init(RSABackends.current.publicKey(der: der))
    }

    public var algorithm: AsymmetricAlgorithm { .rsa }
    public var keySizeInBits: Int { backendKey.modulusBits }

    /// The modulus and public exponent (CKA_MODULUS, CKA_PUBLIC_EXPONENT), big-endian.
    public func publicNumbers() throws(CryptoError) -> (modulus: [UInt8], publicExponent: [UInt8]) {
        try backendKey.publicNumbers()
    }
}
