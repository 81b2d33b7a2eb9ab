// The key and signature length checks that every RSA mechanism shares.

/// RSA size rules.
enum RSAKeySize {
    /// Keys outside 2048...4096 bits are CKR_KEY_SIZE_RANGE for every RSA mechanism.
    static func check(_ bits: Int) throws(CryptoError) {
        guard RSAKeyPairGeneration.modulusBits.contains(bits) else {
            throw .keySizeRange("RSA keys must be 2048 to 4096 bits, not \(bits)")
        }
    }

    /// A signature is exactly k bytes (PKCS#11 3.0 section 2.1.6, CKR_SIGNATURE_LEN_RANGE otherwise).
    static func checkSignatureLength(_ signature: [UInt8], modulusBits: Int) throws(CryptoError) {
        let k = (modulusBits + 7) / 8
        guard signature.count == k else { throw .signatureLenRange("RSA signature must be \(k) bytes") }
    }
}
