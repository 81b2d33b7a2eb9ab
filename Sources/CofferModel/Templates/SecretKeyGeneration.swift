// The result of an accepted C_GenerateKey: the new key's attributes and what the crypto layer must make.

import CofferCrypto

/// A secret key to generate.
public struct SecretKeyGeneration: Sendable, Hashable {
    /// The key's attributes, complete except for the secret CKA_VALUE the crypto layer makes.
    public var attributes: AttributeSet
    public var keyType: KeyType
    /// The key length in bytes to pass to `KeyGenerationMechanism.generateKey(byteCount:)`.
    public var byteCount: Int
    public var mechanism: MechanismType
}
