// Typed access to the asymmetric key a mechanism was handed. A key of another algorithm, or a
// public key where the operation needs a private one, is CKR_KEY_TYPE_INCONSISTENT here; the
// model layer maps key usage (CKA_SIGN and friends) before a mechanism is reached.

extension KeyMaterial {
    /// The private key of type `K`.
    func privateKey<K: PrivateKeyMaterial>(_: K.Type, for mechanism: MechanismType) throws(CryptoError) -> K {
        guard case .privateKey(let key) = self, let typed = key as? K else {
            throw .keyTypeInconsistent("\(mechanism) needs a \(K.self)")
        }
        return typed
    }

    /// The public key of type `P`, taken from a private key of type `K` if that is what was given.
    func publicKey<P: PublicKeyMaterial, K: PrivateKeyMaterial>(
        _: P.Type,
        orPublicHalfOf _: K.Type,
        for mechanism: MechanismType
    ) throws(CryptoError) -> P {
        switch self {
        case .publicKey(let key):
            if let typed = key as? P { return typed }
        case .privateKey(let key):
            if key is K, let typed = key.publicKey as? P { return typed }
        case .secret:
            break
        }
        throw .keyTypeInconsistent("\(mechanism) needs a \(P.self)")
    }
}
