// CKM_AES_CTR on _CryptoExtras' AES._CTR. PKCS#11 lets the caller say how many low bits of the
// counter block are the counter (CK_AES_CTR_PARAMS.ulCounterBits); swift-crypto increments all 128,
// so a request that would carry out of those bits is refused, and then the two agree.

import Crypto
import _CryptoExtras

/// AES in counter mode with a caller-chosen counter width.
public struct AESCTR: CipherMechanism {
    public init() {}

    public var type: MechanismType { .aesCTR }

    public var info: MechanismInfo { AESKey.info([.encrypt, .decrypt, .wrap, .unwrap]) }

    public func encrypt(_ plaintext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try AESKey.symmetricKey(key)
        let nonce = try Self.counter(parameters, byteCount: plaintext.count) { .dataLenRange($0) }
        return try Self.apply(plaintext, key: key, nonce: nonce)
    }

    public func decrypt(_ ciphertext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try AESKey.symmetricKey(key)
        let nonce = try Self.counter(parameters, byteCount: ciphertext.count) { .encryptedDataLenRange($0) }
        return try Self.apply(ciphertext, key: key, nonce: nonce)
    }

    private static func apply(_ input: [UInt8], key: SymmetricKey, nonce: AES._CTR.Nonce) throws(CryptoError) -> [UInt8] {
        do {
            return Array(try AES._CTR.encrypt(input, using: key, nonce: nonce))
        } catch {
            throw .backendFailure("AES-CTR: \(error)")
        }
    }

    /// The initial counter block, after checking that `byteCount` bytes need no more counter values
    /// than the `counterBits` low bits have left.
    private static func counter(
        _ parameters: MechanismParameters,
        byteCount: Int,
        lengthError: (String) -> CryptoError
    ) throws(CryptoError) -> AES._CTR.Nonce {
        guard case .ctr(let counterBits, let block) = parameters else {
            throw .mechanismParamInvalid("CKM_AES_CTR needs CK_AES_CTR_PARAMS")
        }
        guard block.count == AESKey.blockSize else {
            throw .mechanismParamInvalid("AES-CTR counter block must be 16 bytes")
        }
        guard (1...128).contains(counterBits) else {
            throw .mechanismParamInvalid("AES-CTR counter bits must be 1...128, not \(counterBits)")
        }
        let blocks = UInt64(byteCount / AESKey.blockSize + (byteCount % AESKey.blockSize == 0 ? 0 : 1))
        guard blocks <= valuesLeft(block, counterBits: counterBits) else {
            throw lengthError("input would wrap the \(counterBits)-bit AES-CTR counter")
        }
        do {
            return try AES._CTR.Nonce(nonceBytes: block)
        } catch {
            throw .mechanismParamInvalid("AES-CTR counter block rejected: \(error)")
        }
    }

    /// How many counter values remain from the block's counter up to 2^counterBits, capped at UInt64.max.
    static func valuesLeft(_ block: [UInt8], counterBits: Int) -> UInt64 {
        let low = block[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if counterBits < 64 {
            let counter = low & ((1 << UInt64(counterBits)) - 1)
            return (1 << UInt64(counterBits)) - counter
        }
        // Above 64 bits, fewer than 2^64 values remain only if every counter bit above the low 64 is set.
        var highBitsAllSet = true
        for bit in 64..<counterBits {
            let byte = block[7 - (bit - 64) / 8]
            if byte & (1 << UInt8((bit - 64) % 8)) == 0 { highBitsAllSet = false }
        }
        guard highBitsAllSet else { return UInt64.max }
        // 2^64 - low values remain; that number is representable unless low is 0.
        return low == 0 ? UInt64.max : 0 &- low
    }
}
