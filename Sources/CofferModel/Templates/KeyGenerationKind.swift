// What each key generation mechanism makes: its object class (secret key or key pair) and key type.

import CofferCrypto

/// What a key generation mechanism produces.
public enum KeyGenerationKind: Sendable, Hashable {
    /// C_GenerateKey: a secret key of this type.
    case secretKey(KeyType)
    /// C_GenerateKeyPair: a public and a private key of this type.
    case keyPair(KeyType)

    /// The kind for a generation mechanism, or nil when `mechanism` generates nothing.
    public init?(mechanism: MechanismType) {
        switch mechanism {
        case .aesKeyGen: self = .secretKey(.aes)
        case .genericSecretKeyGen: self = .secretKey(.genericSecret)
        case .rsaPKCSKeyPairGen: self = .keyPair(.rsa)
        case .ecKeyPairGen: self = .keyPair(.ec)
        case .ecEdwardsKeyPairGen: self = .keyPair(.ecEdwards)
        case .ecMontgomeryKeyPairGen: self = .keyPair(.ecMontgomery)
        case .mlDSAKeyPairGen: self = .keyPair(.mlDSA)
        case .mlKEMKeyPairGen: self = .keyPair(.mlKEM)
        default: return nil
        }
    }
}
