// An Ed448 key pair (CKK_EC_EDWARDS on edwards448), on OpenSSL 3's libcrypto, which already carries
// the RSA backend: swift-crypto has no Ed448. The private key is stored as PKCS#8 DER (RFC 8410), the
// public key as SubjectPublicKeyInfo DER; signatures are pure Ed448 (RFC 8032 section 5.2) with an
// empty context, 114 bytes.

import COpenSSL

/// An EVP_PKEY holding an Ed448 key, freed with it. OpenSSL allows concurrent use of one EVP_PKEY
/// when each operation has its own context, which every method here makes and frees.
final class OpenSSLEd448Key: @unchecked Sendable {
    let pkey: OpaquePointer

    init(_ pkey: OpaquePointer) { self.pkey = pkey }
    deinit { EVP_PKEY_free(pkey) }

    /// Takes `pkey` if it is an Ed448 key; frees it and throws otherwise.
    static func checked(_ pkey: OpaquePointer?, _ what: String) throws(CryptoError) -> OpenSSLEd448Key {
        guard let pkey else {
            ERR_clear_error()
            throw .keyEncodingInvalid("not an Ed448 \(what)")
        }
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED448 else {
            EVP_PKEY_free(pkey)
            throw .keyEncodingInvalid("not an Ed448 \(what)")
        }
        return OpenSSLEd448Key(pkey)
    }
}

/// An Ed448 private key.
public struct Ed448PrivateKey: PrivateKeyMaterial {
    let key: OpenSSLEd448Key
    public let publicKey: any PublicKeyMaterial
    /// The PKCS#8 form, written once when the key is made or parsed.
    private let pkcs8: SecretBytes

    private init(_ key: OpenSSLEd448Key) throws(CryptoError) {
        self.key = key
        self.publicKey = try Ed448PublicKey(encoded: OpenSSLDER.subjectPublicKeyInfo(key.pkey))
        self.pkcs8 = try OpenSSLDER.pkcs8(key.pkey)
    }

    /// Generates a new key.
    public init() throws(CryptoError) {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "ED448", nil) else {
            throw OpenSSLRSABackend.failure("EVP_PKEY_CTX_new_from_name")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var made: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_generate(context, &made) == 1 else {
            throw OpenSSLRSABackend.failure("EVP_PKEY_generate")
        }
        try self.init(OpenSSLEd448Key.checked(made, "key"))
    }

    /// Parses PKCS#8 DER (RFC 8410).
    public init(derRepresentation der: SecretBytes) throws(CryptoError) {
        let parsed = der.withUnsafeBytes { bytes -> OpaquePointer? in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            return d2i_AutoPrivateKey(nil, &cursor, bytes.count)
        }
        try self.init(OpenSSLEd448Key.checked(parsed, "PKCS#8 key"))
    }

    /// Builds a key from its 57-byte private key (RFC 8032 section 5.2.5; CKA_VALUE).
    public init(seed: SecretBytes) throws(CryptoError) {
        guard seed.count == 57 else { throw .keyEncodingInvalid("an Ed448 private key is 57 bytes") }
        let made = seed.withUnsafeBytes { bytes in
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED448, nil, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), 57)
        }
        try self.init(OpenSSLEd448Key.checked(made, "private key"))
    }

    public var algorithm: AsymmetricAlgorithm { .ed448 }
    public var keySizeInBits: Int { 448 }
    public func serialized() -> SecretBytes { pkcs8 }

    /// A pure Ed448 signature of `message` (empty context).
    func signature(for message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLRSABackend.failure("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key.pkey) == 1 else { throw OpenSSLRSABackend.failure("EVP_DigestSignInit") }
        var length = 114
        var signature = [UInt8](repeating: 0, count: length)
        let signed = message.withUnsafeBufferPointer { data in
            EVP_DigestSign(context, &signature, &length, data.baseAddress, data.count)
        }
        guard signed == 1, length == 114 else { throw OpenSSLRSABackend.failure("EVP_DigestSign") }
        return signature
    }
}

/// An Ed448 public key.
public struct Ed448PublicKey: PublicKeyMaterial {
    let key: OpenSSLEd448Key
    public let serialized: [UInt8]

    /// Parses SubjectPublicKeyInfo DER, or the raw 57-byte encoding (RFC 8032 section 5.2.2).
    public init(encoded: [UInt8]) throws(CryptoError) {
        let parsed: OpaquePointer?
        if encoded.count == 57 {
            parsed = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, nil, encoded, 57)
        } else {
            parsed = encoded.withUnsafeBufferPointer { buffer -> OpaquePointer? in
                var cursor = buffer.baseAddress
                return d2i_PUBKEY(nil, &cursor, buffer.count)
            }
        }
        let key = try OpenSSLEd448Key.checked(parsed, "public key")
        self.key = key
        self.serialized = try OpenSSLDER.subjectPublicKeyInfo(key.pkey)
    }

    public var algorithm: AsymmetricAlgorithm { .ed448 }
    public var keySizeInBits: Int { 448 }

    /// The raw 57-byte encoding (CKA_EC_POINT's content).
    public var rawRepresentation: [UInt8] { Array(serialized.suffix(57)) }

    /// Whether `signature` is a pure Ed448 signature of `message` under this key.
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 114, let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key.pkey) == 1 else {
            ERR_clear_error()
            return false
        }
        let valid = message.withUnsafeBufferPointer { data in
            EVP_DigestVerify(context, signature, signature.count, data.baseAddress, data.count)
        }
        if valid != 1 { ERR_clear_error() }
        return valid == 1
    }
}
