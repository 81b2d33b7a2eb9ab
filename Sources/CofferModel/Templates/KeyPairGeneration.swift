// The result of an accepted C_GenerateKeyPair: both keys' attributes and the crypto layer's parameters.

import CofferCrypto

/// A key pair to generate.
public struct KeyPairGeneration: Sendable, Equatable {
    /// The public key's attributes; the state layer adds the generated public values
    /// (CKA_MODULUS, CKA_EC_POINT, or CKA_VALUE for ML-DSA/ML-KEM).
    public var publicAttributes: AttributeSet
    /// The private key's attributes; its secret components are sealed apart.
    public var privateAttributes: AttributeSet
    public var keyType: KeyType
    /// What to pass to `KeyPairGenerationMechanism.generateKeyPair(_:)`.
    public var parameters: KeyPairParameters
    public var mechanism: MechanismType
}
