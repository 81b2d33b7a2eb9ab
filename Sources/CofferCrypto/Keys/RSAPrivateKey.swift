// An RSA private key (CKK_RSA), held by the RSA backend and stored as PKCS#8 DER.

/// An RSA private key with its public half.
public struct RSAPrivateKey: PrivateKeyMaterial {
    let backendKey: any RSABackendKey
    private let der: SecretBytes
    private let rsaPublicKey: RSAPublicKey

    /// `storable` false is for keys built from n, e and d alone (self-test vectors), which
    /// OpenSSL cannot write as PKCS#8; `serialized()` is then empty.
    init(_ backendKey: any RSABackendKey, storable: Bool = true) throws(CryptoError) {
        guard backendKey.hasPrivateKey else { throw .keyTypeInconsistent("not an RSA private key") }
        self.backendKey = backendKey
        self.der = storable ? try backendKey.privateKeyDER() : SecretBytes([UInt8]())
        self.rsaPublicKey = try RSAPublicKey(backendKey.publicOnly())
    }

    /// Parses PKCS#8 PrivateKeyInfo DER.
    public init(derRepresentation der: SecretBytes) throws(CryptoError) {
        let key = try der.withUnsafeBytes { bytes throws(CryptoError) in
            var copy = Array(bytes)
            defer { copy.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
            return try RSABackends.current.privateKey(der: copy)
        }
        try self.init(key)
    }

    public var algorithm: AsymmetricAlgorithm { .rsa }
    public var keySizeInBits: Int { backendKey.modulusBits }
    public var publicKey: any PublicKeyMaterial { rsaPublicKey }
    /// The typed public half.
    public var rsaPublic: RSAPublicKey { rsaPublicKey }

    public func serialized() -> SecretBytes { der.withUnsafeBytes { SecretBytes($0) } }
}
