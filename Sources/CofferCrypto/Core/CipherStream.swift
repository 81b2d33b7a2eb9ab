// Multi-part encryption and decryption for the modes whose output can be released part by part
// (PKCS#11 3.0 sections 5.9 and 5.10: C_EncryptUpdate returns what it can). CBC and CBC-PAD release
// every complete block, holding back the last one when decrypting with padding (it may carry the
// pad); CTR releases every byte. Built on the single-part mechanisms by carrying the chaining value
// (the last ciphertext block, or the counter) from one part to the next.

/// One multi-part encryption or decryption in progress.
public struct CipherStream: Sendable {
    /// Which way the data goes.
    public enum Direction: Sendable { case encrypt, decrypt }

    private enum Mode: Sendable {
        case cbc(padded: Bool)
        /// `capacity`: how many counter blocks the caller's counter bits allow in all.
        case ctr(counterBits: Int, start: [UInt8], capacity: UInt64)
    }

    private let mode: Mode
    private let direction: Direction
    private let key: KeyMaterial
    /// CBC: the IV for the next block (the previous ciphertext block).
    private var chaining: [UInt8] = []
    /// Input not processed yet (CBC: less than a block, or the held-back last block).
    private var held: [UInt8] = []
    /// CTR: bytes processed so far.
    private var processed = 0

    /// A stream for `mechanism`, or nil when the mechanism has no part-by-part output (GCM, RSA,
    /// key wrapping): those buffer their input and produce everything at the end.
    public init?(_ mechanism: MechanismType, _ direction: Direction, key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) {
        switch mechanism {
        case .aesCBC, .aesCBCPad:
            guard case .iv(let iv) = parameters, iv.count == AESKey.blockSize else {
                throw .mechanismParamInvalid("AES-CBC needs a 16-byte IV")
            }
            mode = .cbc(padded: mechanism == .aesCBCPad)
            chaining = iv
        case .aesCTR:
            guard case .ctr(let counterBits, let block) = parameters, block.count == AESKey.blockSize else {
                throw .mechanismParamInvalid("CKM_AES_CTR needs CK_AES_CTR_PARAMS")
            }
            guard (1...128).contains(counterBits) else {
                throw .mechanismParamInvalid("AES-CTR counter bits must be 1...128, not \(counterBits)")
            }
            mode = .ctr(counterBits: counterBits, start: block, capacity: AESCTR.valuesLeft(block, counterBits: counterBits))
        default:
            return nil
        }
        self.direction = direction
        self.key = key
    }

    /// How many bytes an update releases when `pending` bytes (held plus new) are waiting, for
    /// `mechanism`; nil for a mechanism without a stream. The PKCS#11 library answers C_*Update's
    /// length query with the same rule.
    public static func releasedLength(_ mechanism: MechanismType, _ direction: Direction, pending: Int) -> Int? {
        let block = AESKey.blockSize
        switch mechanism {
        case .aesCBC: return pending / block * block
        case .aesCBCPad where direction == .encrypt: return pending / block * block
        case .aesCBCPad: return pending == 0 ? 0 : (pending - 1) / block * block
        case .aesCTR: return pending
        default: return nil
        }
    }

    /// Processes one part and returns the output it releases.
    public mutating func update(_ input: [UInt8]) throws(CryptoError) -> [UInt8] {
        switch mode {
        case .ctr(let counterBits, let start, let capacity):
            let total = processed + input.count
            guard UInt64(total / AESKey.blockSize + (total % AESKey.blockSize == 0 ? 0 : 1)) <= capacity else {
                let message = "input would wrap the \(counterBits)-bit AES-CTR counter"
                throw direction == .encrypt ? .dataLenRange(message) : .encryptedDataLenRange(message)
            }
            let skip = processed % AESKey.blockSize
            let counter = Self.advance(start, by: UInt64(processed / AESKey.blockSize))
            // The part starts inside a counter block: pad it to the block's start and drop the pad's output.
            var output = try AESCTR().encrypt(
                [UInt8](repeating: 0, count: skip) + input, key: key, parameters: .ctr(counterBits: counterBits, counterBlock: counter))
            output.removeFirst(skip)
            processed += input.count
            return output
        case .cbc(let padded):
            held += input
            let released = Self.releasedLength(padded ? .aesCBCPad : .aesCBC, direction, pending: held.count) ?? 0
            guard released > 0 else { return [] }
            let part = Array(held[0..<released])
            held.removeFirst(released)
            let cbc = AESCBC(padding: .none)
            switch direction {
            case .encrypt:
                let output = try cbc.encrypt(part, key: key, parameters: .iv(chaining))
                chaining = Array(output.suffix(AESKey.blockSize))
                return output
            case .decrypt:
                let output = try cbc.decrypt(part, key: key, parameters: .iv(chaining))
                chaining = Array(part.suffix(AESKey.blockSize))
                return output
            }
        }
    }

    /// Ends the stream: the padding block (CBC-PAD encryption), the last unpadded block (CBC-PAD
    /// decryption), or nothing; an incomplete block is CKR_DATA_LEN_RANGE or
    /// CKR_ENCRYPTED_DATA_LEN_RANGE.
    public mutating func finish() throws(CryptoError) -> [UInt8] {
        defer { held.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        guard case .cbc(let padded) = mode else { return [] }
        switch (direction, padded) {
        case (.encrypt, true):
            return try AESCBC(padding: .pkcs7).encrypt(held, key: key, parameters: .iv(chaining))
        case (.decrypt, true):
            guard held.count == AESKey.blockSize else {
                throw .encryptedDataLenRange("CKM_AES_CBC_PAD input must be a non-empty multiple of 16 bytes")
            }
            return try AESCBC(padding: .pkcs7).decrypt(held, key: key, parameters: .iv(chaining))
        case (.encrypt, false):
            guard held.isEmpty else { throw .dataLenRange("CKM_AES_CBC input must be a multiple of 16 bytes") }
            return []
        case (.decrypt, false):
            guard held.isEmpty else { throw .encryptedDataLenRange("AES-CBC input must be a multiple of 16 bytes") }
            return []
        }
    }

    /// The counter block `blocks` values on (swift-crypto's CTR increments all 128 bits, and
    /// AESCTR refuses input that would carry out of the caller's counter bits).
    private static func advance(_ block: [UInt8], by blocks: UInt64) -> [UInt8] {
        var result = block
        var carry = blocks
        var index = result.count - 1
        while carry > 0 && index >= 0 {
            let sum = UInt64(result[index]) + (carry & 0xff)
            result[index] = UInt8(sum & 0xff)
            carry = (carry >> 8) + (sum >> 8)
            index -= 1
        }
        return result
    }
}
