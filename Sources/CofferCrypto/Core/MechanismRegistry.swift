// The registry that maps CKM_* values to mechanism implementations.
// Adding a mechanism means adding its file and one line in `standard`.

/// Mechanisms by `CKM_*` value.
public struct MechanismRegistry: Sendable {
    private let table: [MechanismType: any Mechanism]

    public init(_ mechanisms: [any Mechanism]) {
        var table: [MechanismType: any Mechanism] = [:]
        for mechanism in mechanisms { table[mechanism.type] = mechanism }
        self.table = table
    }

    /// Every mechanism Coffer implements.
    public static let standard = MechanismRegistry(digestMechanisms + symmetricMechanisms + asymmetricMechanisms)

    /// Every mechanism Coffer implements, with RSA keys under the size policy `rsa`.
    public static func standard(rsa: RSAKeySize) -> MechanismRegistry {
        MechanismRegistry(digestMechanisms + symmetricMechanisms + asymmetricMechanisms(rsa: rsa))
    }

    static let digestMechanisms: [any Mechanism] = [
        SHA2Digest(.sha256),
        SHA2Digest(.sha384),
        SHA2Digest(.sha512),
    ]

    /// All registered mechanism types, sorted by value (for C_GetMechanismList).
    public var types: [MechanismType] { table.keys.sorted { $0.rawValue < $1.rawValue } }

    public func mechanism(_ type: MechanismType) throws(CryptoError) -> any Mechanism {
        guard let mechanism = table[type] else { throw .mechanismInvalid(type) }
        return mechanism
    }

    public func cipher(_ type: MechanismType) throws(CryptoError) -> any CipherMechanism {
        try capability(type, as: (any CipherMechanism).self)
    }

    public func signature(_ type: MechanismType) throws(CryptoError) -> any SignatureMechanism {
        try capability(type, as: (any SignatureMechanism).self)
    }

    public func digest(_ type: MechanismType) throws(CryptoError) -> any DigestMechanism {
        try capability(type, as: (any DigestMechanism).self)
    }

    public func keyGeneration(_ type: MechanismType) throws(CryptoError) -> any KeyGenerationMechanism {
        try capability(type, as: (any KeyGenerationMechanism).self)
    }

    public func keyPairGeneration(_ type: MechanismType) throws(CryptoError) -> any KeyPairGenerationMechanism {
        try capability(type, as: (any KeyPairGenerationMechanism).self)
    }

    public func derivation(_ type: MechanismType) throws(CryptoError) -> any DeriveMechanism {
        try capability(type, as: (any DeriveMechanism).self)
    }

    public func keyTransport(_ type: MechanismType) throws(CryptoError) -> any KeyTransportMechanism {
        try capability(type, as: (any KeyTransportMechanism).self)
    }

    public func encapsulation(_ type: MechanismType) throws(CryptoError) -> any EncapsulationMechanism {
        try capability(type, as: (any EncapsulationMechanism).self)
    }

    // PKCS#11 returns CKR_MECHANISM_INVALID both for an unknown mechanism and for one
    // that does not support the requested function (section 5.2 of the base specification).
    private func capability<T>(_ type: MechanismType, as: T.Type) throws(CryptoError) -> T {
        guard let found = table[type] as? T else { throw .mechanismInvalid(type) }
        return found
    }
}
