// AES-GCM with a truncated tag (96 to 120 bits, NIST SP 800-38D section 5.2.1.2) on OpenSSL 3's EVP
// API, because swift-crypto's AES.GCM makes and checks full 128-bit tags only. The full-tag case
// stays on swift-crypto (AESGCM).

import COpenSSL
import Crypto

/// GCM through libcrypto, for the tag lengths swift-crypto lacks.
enum OpenSSLGCM {
    /// Encrypts and returns ciphertext || the first `tagBytes` bytes of the tag.
    static func seal(
        _ plaintext: [UInt8], key: SymmetricKey, iv: [UInt8], additionalData: [UInt8], tagBytes: Int
    ) throws(CryptoError) -> [UInt8] {
        let ctx = try context(key: key, iv: iv, encrypting: true)
        defer { EVP_CIPHER_CTX_free(ctx) }
        try authenticate(additionalData, ctx, encrypting: true)
        var output = try transform(plaintext, ctx, encrypting: true)
        var tag = [UInt8](repeating: 0, count: 16)
        var finalLength: Int32 = 0
        guard EVP_EncryptFinal_ex(ctx, &tag, &finalLength) == 1, finalLength == 0,
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(tagBytes), &tag) == 1
        else { throw failure("GCM final") }
        output += tag.prefix(tagBytes)
        return output
    }

    /// Checks the `tagBytes`-byte tag at the end of `sealed` and returns the plaintext; a tag that
    /// does not match is CKR_ENCRYPTED_DATA_INVALID, and no plaintext leaves.
    static func open(
        _ sealed: [UInt8], key: SymmetricKey, iv: [UInt8], additionalData: [UInt8], tagBytes: Int
    ) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= tagBytes else {
            throw .encryptedDataLenRange("AES-GCM input is shorter than its \(tagBytes)-byte tag")
        }
        let ctx = try context(key: key, iv: iv, encrypting: false)
        defer { EVP_CIPHER_CTX_free(ctx) }
        try authenticate(additionalData, ctx, encrypting: false)
        var plaintext = try transform(Array(sealed.prefix(sealed.count - tagBytes)), ctx, encrypting: false)
        var tag = Array(sealed.suffix(tagBytes))
        var scratch = [UInt8](repeating: 0, count: 16)
        var finalLength: Int32 = 0
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(tagBytes), &tag) == 1 else { throw failure("GCM set tag") }
        guard EVP_DecryptFinal_ex(ctx, &scratch, &finalLength) == 1 else {
            plaintext.withUnsafeMutableBytes { SecretBytes.zeroise($0) }
            ERR_clear_error()
            throw .encryptedDataInvalid
        }
        return plaintext
    }

    private static func context(key: SymmetricKey, iv: [UInt8], encrypting: Bool) throws(CryptoError) -> OpaquePointer {
        let cipher: OpaquePointer? =
            switch key.bitCount {
            case 128: EVP_aes_128_gcm()
            case 192: EVP_aes_192_gcm()
            default: EVP_aes_256_gcm()
            }
        guard let cipher, let ctx = EVP_CIPHER_CTX_new() else { throw failure("EVP_CIPHER_CTX_new") }
        let initialise = encrypting ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        let ready = key.withUnsafeBytes { keyBytes in
            iv.withUnsafeBufferPointer { ivBytes in
                initialise(ctx, cipher, nil, nil, nil) == 1
                    && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, Int32(iv.count), nil) == 1
                    && initialise(ctx, nil, nil, keyBytes.bindMemory(to: UInt8.self).baseAddress, ivBytes.baseAddress) == 1
            }
        }
        guard ready else {
            EVP_CIPHER_CTX_free(ctx)
            throw failure("GCM init")
        }
        return ctx
    }

    private static func authenticate(_ additionalData: [UInt8], _ ctx: OpaquePointer, encrypting: Bool) throws(CryptoError) {
        guard !additionalData.isEmpty else { return }
        var length: Int32 = 0
        let update = encrypting ? EVP_EncryptUpdate : EVP_DecryptUpdate
        guard update(ctx, nil, &length, additionalData, Int32(additionalData.count)) == 1 else { throw failure("GCM AAD") }
    }

    private static func transform(_ input: [UInt8], _ ctx: OpaquePointer, encrypting: Bool) throws(CryptoError) -> [UInt8] {
        guard !input.isEmpty else { return [] }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var length: Int32 = 0
        let update = encrypting ? EVP_EncryptUpdate : EVP_DecryptUpdate
        guard update(ctx, &output, &length, input, Int32(input.count)) == 1, Int(length) <= output.count else {
            throw failure("GCM update")
        }
        return Array(output.prefix(Int(length)))
    }

    private static func failure(_ call: String) -> CryptoError {
        let code = ERR_get_error()
        ERR_clear_error()
        return .backendFailure("\(call) failed (OpenSSL error 0x\(String(code, radix: 16)))")
    }
}
