// Keys shared across the asymmetric tests. RSA generation is slow in debug builds, so each
// size is generated once per test run (Swift's lazy globals are thread-safe).

@testable import CofferCrypto

enum GeneratedKeys {
    static let rsa2048: Result<RSAPrivateKey, CryptoError> = generateRSA(2048)
    static let rsa3072: Result<RSAPrivateKey, CryptoError> = generateRSA(3072)
    static let rsa4096: Result<RSAPrivateKey, CryptoError> = generateRSA(4096)

    private static func generateRSA(_ bits: Int) -> Result<RSAPrivateKey, CryptoError> {
        Result { () throws(CryptoError) -> RSAPrivateKey in
            let key = try RSAKeyPairGeneration().generateKeyPair(.rsa(bits: bits, publicExponent: []))
            guard let rsa = key as? RSAPrivateKey else { throw .keyTypeInconsistent("not RSA") }
            return rsa
        }
    }
}
