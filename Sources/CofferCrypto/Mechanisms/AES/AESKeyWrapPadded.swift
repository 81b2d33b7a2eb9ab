// CKM_AES_KEY_WRAP_KWP (RFC 5649, NIST SP 800-38F KWP). swift-crypto has no KWP, so the mode is
// built here over its AES block function (AES.permute/inversePermute); no primitive is new.

import Crypto
import _CryptoExtras

/// AES key wrap with padding: any input of 1 byte or more.
public struct AESKeyWrapPadded: CipherMechanism {
    /// RFC 5649 section 3: the high half of the alternative initial value.
    static let integrityConstant: [UInt8] = [0xA6, 0x59, 0x59, 0xA6]
    /// The length field is 32 bits.
    static let maximumInputByteCount = Int(UInt32.max)

    public init() {}

    public var type: MechanismType { .aesKeyWrapKWP }

    public var info: MechanismInfo { AESKey.info([.encrypt, .decrypt, .wrap, .unwrap]) }

    public func encrypt(_ plaintext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let kek = try AESKey.symmetricKey(key)
        try Self.checkDefaultIV(parameters)
        guard (1...Self.maximumInputByteCount).contains(plaintext.count) else {
            throw .dataLenRange("CKM_AES_KEY_WRAP_KWP input must be 1 byte to 2^32-1 bytes")
        }
        let length = UInt32(plaintext.count)
        let initialValue = Self.integrityConstant + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: length >> $0) }
        var padded = plaintext + [UInt8](repeating: 0, count: (8 - plaintext.count % 8) % 8)
        defer { padded.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        do {
            if padded.count == 8 {
                // RFC 5649 section 4.1: a single 64-bit block is encrypted with AES directly.
                var block = initialValue + padded
                try AES.permute(&block, key: kek)
                return block
            }
            return try Self.wrap(initialValue, padded, kek: kek)
        } catch {
            throw .backendFailure("AES block function: \(error)")
        }
    }

    public func decrypt(_ ciphertext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let kek = try AESKey.symmetricKey(key)
        try Self.checkDefaultIV(parameters)
        guard ciphertext.count >= 16, ciphertext.count % 8 == 0 else {
            throw .wrappedKeyLenRange("CKM_AES_KEY_WRAP_KWP input must be at least 16 bytes and a multiple of 8")
        }
        var initialValue: [UInt8]
        var padded: [UInt8]
        do {
            if ciphertext.count == 16 {
                var block = ciphertext
                try AES.inversePermute(&block, key: kek)
                initialValue = Array(block[0..<8])
                padded = Array(block[8..<16])
                block.withUnsafeMutableBytes { SecretBytes.zeroise($0) }
            } else {
                (initialValue, padded) = try Self.unwrap(ciphertext, kek: kek)
            }
        } catch {
            throw .backendFailure("AES block function: \(error)")
        }
        defer { padded.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }

        // RFC 5649 section 3: check the constant, that the length fits the last block, and that the
        // padding is zero, folding every check into one flag so that each failure takes the same path.
        var difference: UInt8 = 0
        for index in 0..<4 { difference |= initialValue[index] ^ Self.integrityConstant[index] }
        let length = initialValue[4..<8].reduce(0) { $0 << 8 | Int($1) }
        let lengthFits = length > padded.count - 8 && length <= padded.count
        for index in padded.count - 8..<padded.count {
            // All ones when index >= length (a padding byte), zero otherwise.
            let mask = UInt8(truncatingIfNeeded: (length - 1 - index) >> (Int.bitWidth - 1))
            difference |= padded[index] & mask
        }
        guard difference == 0, lengthFits else { throw .wrappedKeyInvalid }
        return Array(padded[0..<length])
    }

    /// RFC 3394 section 2.2.1's wrapping process W, with `initialValue` in place of the default IV.
    private static func wrap(_ initialValue: [UInt8], _ plaintext: [UInt8], kek: SymmetricKey) throws -> [UInt8] {
        let n = plaintext.count / 8
        var a = initialValue
        var r = plaintext
        var block = [UInt8](repeating: 0, count: 16)
        defer {
            r.withUnsafeMutableBytes { SecretBytes.zeroise($0) }
            block.withUnsafeMutableBytes { SecretBytes.zeroise($0) }
        }
        for j in 0...5 {
            for i in 0..<n {
                block.replaceSubrange(0..<8, with: a)
                block.replaceSubrange(8..<16, with: r[i * 8..<i * 8 + 8])
                try AES.permute(&block, key: kek)
                a = xorCounter(block[0..<8], UInt64(n * j + i + 1))
                r.replaceSubrange(i * 8..<i * 8 + 8, with: block[8..<16])
            }
        }
        return a + r
    }

    /// RFC 3394 section 2.2.2's unwrapping process W^-1; returns the recovered initial value and data.
    private static func unwrap(_ ciphertext: [UInt8], kek: SymmetricKey) throws -> ([UInt8], [UInt8]) {
        let n = ciphertext.count / 8 - 1
        var a = Array(ciphertext[0..<8])
        var r = Array(ciphertext[8...])
        var block = [UInt8](repeating: 0, count: 16)
        defer { block.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        for j in (0...5).reversed() {
            for i in (0..<n).reversed() {
                block.replaceSubrange(0..<8, with: xorCounter(a[0..<8], UInt64(n * j + i + 1)))
                block.replaceSubrange(8..<16, with: r[i * 8..<i * 8 + 8])
                try AES.inversePermute(&block, key: kek)
                a = Array(block[0..<8])
                r.replaceSubrange(i * 8..<i * 8 + 8, with: block[8..<16])
            }
        }
        return (a, r)
    }

    /// The 64-bit value `half` XOR the big-endian step counter `t`.
    private static func xorCounter(_ half: ArraySlice<UInt8>, _ t: UInt64) -> [UInt8] {
        half.enumerated().map { offset, byte in byte ^ UInt8(truncatingIfNeeded: t >> UInt64(56 - 8 * offset)) }
    }

    private static func checkDefaultIV(_ parameters: MechanismParameters) throws(CryptoError) {
        switch parameters {
        case .none: return
        case .iv(let iv) where iv == integrityConstant: return
        default: throw .mechanismParamInvalid("CKM_AES_KEY_WRAP_KWP supports only the default IV")
        }
    }
}
