// Building an RSA public key from CKA_MODULUS and CKA_PUBLIC_EXPONENT, as C_CreateObject supplies them.

import _CryptoExtras

extension RSAPublicKey {
    /// The public key with modulus `n` and exponent `e` (big-endian). swift-crypto checks the numbers
    /// and encodes the SubjectPublicKeyInfo the backend parses.
    public init(modulus: [UInt8], publicExponent: [UInt8]) throws(CryptoError) {
        let der: [UInt8]
        do {
            der = Array(try _RSA.Signing.PublicKey(n: modulus, e: publicExponent).derRepresentation)
        } catch {
            throw .keyEncodingInvalid("RSA modulus or exponent rejected")
        }
        try self.init(derRepresentation: der)
    }
}
