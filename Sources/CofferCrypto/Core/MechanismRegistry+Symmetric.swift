// The symmetric mechanisms (AES modes, key wrap, CMAC, HMAC, HKDF, secret key generation).

extension MechanismRegistry {
    static let symmetricMechanisms: [any Mechanism] = []
}
