// CKM_AES_KEY_GEN: a fresh AES key from the system CSPRNG, via swift-crypto's SymmetricKey(size:).

import Crypto

/// Generates AES keys of 16, 24 or 32 bytes.
public struct AESKeyGeneration: KeyGenerationMechanism {
    public init() {}

    public var type: MechanismType { .aesKeyGen }

    public var info: MechanismInfo { AESKey.info([.generate]) }

    public func generateKey(byteCount: Int) throws(CryptoError) -> SymmetricKey {
        guard [16, 24, 32].contains(byteCount) else {
            throw .keySizeRange("AES keys are 16, 24 or 32 bytes, not \(byteCount)")
        }
        return SymmetricKey(size: SymmetricKeySize(bitCount: byteCount * 8))
    }
}
