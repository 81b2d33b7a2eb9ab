// The symmetric mechanisms (AES modes, key wrap, CMAC, HMAC, HKDF, secret key generation).

extension MechanismRegistry {
    static let symmetricMechanisms: [any Mechanism] = [
        AESGCM(),
        AESCBC(padding: .none),
        AESCBC(padding: .pkcs7),
        AESCTR(),
        AESECB(),
        AESKeyWrap(),
        AESKeyWrapPadded(),
        AESCMAC(),
        SHA2HMAC(.sha256),
        SHA2HMAC(.sha384),
        SHA2HMAC(.sha512),
        HKDFDerive(),
        AESKeyGeneration(),
        GenericSecretKeyGeneration(),
    ]
}
