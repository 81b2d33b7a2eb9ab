// The DER forms OpenSSL 3 writes of an EVP_PKEY: PKCS#8 PrivateKeyInfo and SubjectPublicKeyInfo,
// for the keys that live on OpenSSL (RSA, Ed448).

import COpenSSL

/// DER export of OpenSSL keys. A failure takes the thread's OpenSSL errors off its queue.
enum OpenSSLDER {
    /// PKCS#8 PrivateKeyInfo DER of a key with its private half, in zeroised memory.
    static func pkcs8(_ pkey: OpaquePointer) throws(CryptoError) -> SecretBytes {
        guard let info = EVP_PKEY2PKCS8(pkey) else { throw OpenSSLRSABackend.failure("EVP_PKEY2PKCS8") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        var der = try encode("i2d_PKCS8_PRIV_KEY_INFO") { i2d_PKCS8_PRIV_KEY_INFO(info, $0) }
        return SecretBytes(consuming: &der)
    }

    /// SubjectPublicKeyInfo DER.
    static func subjectPublicKeyInfo(_ pkey: OpaquePointer) throws(CryptoError) -> [UInt8] {
        try encode("i2d_PUBKEY") { i2d_PUBKEY(pkey, $0) }
    }

    /// Runs an OpenSSL i2d function twice, as they are meant to be: for the length (a NULL output),
    /// then into a buffer of that length.
    private static func encode(
        _ name: String, _ i2d: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32
    ) throws(CryptoError) -> [UInt8] {
        let length = i2d(nil)
        guard length > 0 else { throw OpenSSLRSABackend.failure(name) }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d(&cursor)
        }
        guard written == length else { throw OpenSSLRSABackend.failure(name) }
        return der
    }
}
