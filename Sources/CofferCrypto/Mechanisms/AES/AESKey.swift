// The checks every AES mechanism makes on its key: a secret of 16, 24 or 32 bytes.

import Crypto

/// AES key validation shared by the AES mechanisms.
enum AESKey {
    /// AES key lengths in bytes, as `CK_MECHANISM_INFO` reports them for CKK_AES.
    static let byteCounts: ClosedRange<Int> = 16...32
    static let blockSize = 16

    /// The mechanism info of an AES mechanism with `flags`.
    static func info(_ flags: MechanismFlags) -> MechanismInfo {
        MechanismInfo(minKeySize: UInt(byteCounts.lowerBound), maxKeySize: UInt(byteCounts.upperBound), flags: flags)
    }

    /// The AES key in `key`, or keyTypeInconsistent for a non-secret key and keySizeRange for a
    /// secret of another length.
    static func symmetricKey(_ key: KeyMaterial) throws(CryptoError) -> SymmetricKey {
        guard case .secret(let secret) = key else {
            throw .keyTypeInconsistent("AES needs a secret key")
        }
        guard [16, 24, 32].contains(secret.bitCount / 8) else {
            throw .keySizeRange("AES keys are 16, 24 or 32 bytes, not \(secret.bitCount / 8)")
        }
        return secret
    }
}
