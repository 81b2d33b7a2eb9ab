// CKM_GENERIC_SECRET_KEY_GEN: HMAC and HKDF keys from the system CSPRNG, via SymmetricKey(size:).

import Crypto

/// Generates generic secret keys of 1 to 512 bytes.
public struct GenericSecretKeyGeneration: KeyGenerationMechanism {
    static let byteCounts: ClosedRange<Int> = 1...512

    public init() {}

    public var type: MechanismType { .genericSecretKeyGen }

    public var info: MechanismInfo {
        MechanismInfo(minKeySize: UInt(Self.byteCounts.lowerBound), maxKeySize: UInt(Self.byteCounts.upperBound), flags: [.generate])
    }

    public func generateKey(byteCount: Int) throws(CryptoError) -> SymmetricKey {
        guard Self.byteCounts.contains(byteCount) else {
            throw .keySizeRange("generic secret keys are 1 to 512 bytes, not \(byteCount)")
        }
        return SymmetricKey(size: SymmetricKeySize(bitCount: byteCount * 8))
    }
}
