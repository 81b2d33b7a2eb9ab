// CKM_AES_CBC (no padding) and CKM_AES_CBC_PAD (PKCS#7) on _CryptoExtras' AES._CBC,
// whose PKCS#7 removal runs in constant time.

import Crypto
import _CryptoExtras

/// AES in CBC mode, with or without PKCS#7 padding, and a 16-byte IV.
public struct AESCBC: CipherMechanism {
    /// Whether PKCS#7 padding is added and removed.
    public enum Padding: Sendable { case none, pkcs7 }
    public let padding: Padding

    public init(padding: Padding) {
        self.padding = padding
    }

    public var type: MechanismType { padding == .none ? .aesCBC : .aesCBCPad }

    public var info: MechanismInfo { AESKey.info([.encrypt, .decrypt, .wrap, .unwrap]) }

    public func encrypt(_ plaintext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try AESKey.symmetricKey(key)
        let iv = try Self.iv(parameters)
        // PKCS#11 3.0 section 2.10.x: unpadded CBC takes only whole blocks (CKR_DATA_LEN_RANGE otherwise).
        if padding == .none, plaintext.count % AESKey.blockSize != 0 {
            throw .dataLenRange("CKM_AES_CBC input must be a multiple of 16 bytes")
        }
        do {
            return Array(try AES._CBC.encrypt(plaintext, using: key, iv: iv, noPadding: padding == .none))
        } catch {
            throw .backendFailure("AES-CBC encrypt: \(error)")
        }
    }

    public func decrypt(_ ciphertext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try AESKey.symmetricKey(key)
        let iv = try Self.iv(parameters)
        guard ciphertext.count % AESKey.blockSize == 0 else {
            throw .encryptedDataLenRange("AES-CBC input must be a multiple of 16 bytes")
        }
        if ciphertext.isEmpty {
            // Padded ciphertext always has at least one block; unpadded empty input decrypts to nothing.
            guard padding == .none else { throw .encryptedDataLenRange("CKM_AES_CBC_PAD input is empty") }
            return []
        }
        do {
            return Array(try AES._CBC.decrypt(ciphertext, using: key, iv: iv, noPadding: padding == .none))
        } catch {
            // Lengths are checked above, so the only failure left is bad padding.
            throw .encryptedDataInvalid
        }
    }

    private static func iv(_ parameters: MechanismParameters) throws(CryptoError) -> AES._CBC.IV {
        guard case .iv(let bytes) = parameters, bytes.count == AESKey.blockSize else {
            throw .mechanismParamInvalid("AES-CBC needs a 16-byte IV")
        }
        do {
            return try AES._CBC.IV(ivBytes: bytes)
        } catch {
            throw .mechanismParamInvalid("AES-CBC IV rejected: \(error)")
        }
    }
}
