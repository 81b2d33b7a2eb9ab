// Building an RSA public key from CKA_MODULUS and CKA_PUBLIC_EXPONENT, as C_CreateObject supplies them.

extension RSAPublicKey {
    /// The public key with modulus `n` and exponent `e` (big-endian): an odd modulus of
    /// `RSAKeySize.lowestMinimum` to `RSAKeySize.maximumBits` bits and an odd exponent of at least 3
    /// that is smaller than it. Whether the node uses a key of that size is its policy's call
    /// (`RSAKeySize`), made where the key is used or imported, not here.
    public init(modulus: [UInt8], publicExponent: [UInt8]) throws(CryptoError) {
        let n = Array(modulus.drop { $0 == 0 })
        let e = Array(publicExponent.drop { $0 == 0 })
        let bits = n.isEmpty ? 0 : (n.count - 1) * 8 + (8 - n[0].leadingZeroBitCount)
        guard (RSAKeySize.lowestMinimum...RSAKeySize.maximumBits).contains(bits), n.last! & 1 == 1 else {
            throw .keyEncodingInvalid("RSA modulus of \(bits) bits rejected")
        }
        guard let last = e.last, last & 1 == 1, !(e.count == 1 && e[0] < 3), e.count < n.count else {
            throw .keyEncodingInvalid("RSA public exponent rejected")
        }
        try self.init(RSABackends.current.publicKey(modulus: n, publicExponent: e))
    }
}
