// CKM_AES_ECB, built on _CryptoExtras' single-block AES.permute/inversePermute. ECB leaks equal
// blocks, so Coffer offers it only for wrapping keys with clients that still ask for it.

import Crypto
import _CryptoExtras

/// AES in ECB mode (whole blocks only, no padding).
public struct AESECB: CipherMechanism {
    public init() {}

    public var type: MechanismType { .aesECB }

    /// Only wrap and unwrap are advertised, so the session layer refuses ECB for C_Encrypt/C_Decrypt.
    public var info: MechanismInfo { AESKey.info([.wrap, .unwrap]) }

    public func encrypt(_ plaintext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try AESKey.symmetricKey(key)
        try Self.checkNoParameters(parameters)
        guard plaintext.count % AESKey.blockSize == 0 else {
            throw .dataLenRange("CKM_AES_ECB input must be a multiple of 16 bytes")
        }
        return try Self.eachBlock(plaintext) { try AES.permute(&$0, key: key) }
    }

    public func decrypt(_ ciphertext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try AESKey.symmetricKey(key)
        try Self.checkNoParameters(parameters)
        guard ciphertext.count % AESKey.blockSize == 0 else {
            throw .encryptedDataLenRange("CKM_AES_ECB input must be a multiple of 16 bytes")
        }
        return try Self.eachBlock(ciphertext) { try AES.inversePermute(&$0, key: key) }
    }

    private static func checkNoParameters(_ parameters: MechanismParameters) throws(CryptoError) {
        guard parameters == .none else { throw .mechanismParamInvalid("CKM_AES_ECB takes no parameter") }
    }

    private static func eachBlock(
        _ input: [UInt8],
        _ transform: (inout [UInt8]) throws -> Void
    ) throws(CryptoError) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(input.count)
        var block = [UInt8](repeating: 0, count: AESKey.blockSize)
        defer { block.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        var start = 0
        while start < input.count {
            block.replaceSubrange(0..<AESKey.blockSize, with: input[start..<start + AESKey.blockSize])
            do {
                try transform(&block)
            } catch {
                throw .backendFailure("AES block function: \(error)")
            }
            output.append(contentsOf: block)
            start += AESKey.blockSize
        }
        return output
    }
}
