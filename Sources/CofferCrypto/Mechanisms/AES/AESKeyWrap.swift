// CKM_AES_KEY_WRAP (RFC 3394, NIST SP 800-38F KW) on swift-crypto's AES.KeyWrap.
// Failures to unwrap are reported as wrapped-key errors, since C_UnwrapKey is this mechanism's main use;
// the session layer maps them to CKR_ENCRYPTED_DATA_* when the call was C_Decrypt.

import Crypto

/// AES key wrap without padding: input is at least 16 bytes and a multiple of 8.
public struct AESKeyWrap: CipherMechanism {
    public init() {}

    public var type: MechanismType { .aesKeyWrap }

    public var info: MechanismInfo { AESKey.info([.encrypt, .decrypt, .wrap, .unwrap]) }

    public func encrypt(_ plaintext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let kek = try AESKey.symmetricKey(key)
        try Self.checkDefaultIV(parameters)
        guard plaintext.count >= 16, plaintext.count % 8 == 0 else {
            throw .dataLenRange("CKM_AES_KEY_WRAP input must be at least 16 bytes and a multiple of 8")
        }
        do {
            return Array(try AES.KeyWrap.wrap(SymmetricKey(data: plaintext), using: kek))
        } catch {
            throw .backendFailure("AES key wrap: \(error)")
        }
    }

    public func decrypt(_ ciphertext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let kek = try AESKey.symmetricKey(key)
        try Self.checkDefaultIV(parameters)
        guard ciphertext.count >= 24, ciphertext.count % 8 == 0 else {
            throw .wrappedKeyLenRange("CKM_AES_KEY_WRAP input must be at least 24 bytes and a multiple of 8")
        }
        let unwrapped: SymmetricKey
        do {
            unwrapped = try AES.KeyWrap.unwrap(ciphertext, using: kek)
        } catch {
            throw .wrappedKeyInvalid
        }
        return unwrapped.withUnsafeBytes { Array($0) }
    }

    // PKCS#11 3.0 section 2.14.x: the parameter is an optional 8-byte IV; only the RFC 3394 default is supported.
    private static func checkDefaultIV(_ parameters: MechanismParameters) throws(CryptoError) {
        switch parameters {
        case .none: return
        case .iv(let iv) where iv == [0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6]: return
        default: throw .mechanismParamInvalid("CKM_AES_KEY_WRAP supports only the default IV")
        }
    }
}
