// CKM_AES_GCM on swift-crypto's AES.GCM. The output is ciphertext || tag, as PKCS#11 defines it
// (PKCS#11 3.0 section 2.12.x, CK_GCM_PARAMS): the tag is not returned separately.

import Crypto

/// AES in Galois/Counter Mode.
///
/// swift-crypto's AES.GCM accepts IVs of 12 bytes or more and produces and checks only full
/// 16-byte tags, so Coffer accepts `ivBits >= 96` and `tagBits == 128` and rejects the rest with
/// `mechanismParamInvalid`. Shorter IVs are also the ones NIST SP 800-38D discourages.
public struct AESGCM: CipherMechanism {
    static let tagByteCount = 16
    static let minimumIVByteCount = 12

    public init() {}

    public var type: MechanismType { .aesGCM }

    public var info: MechanismInfo { AESKey.info([.encrypt, .decrypt, .wrap, .unwrap]) }

    public func encrypt(_ plaintext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try AESKey.symmetricKey(key)
        let (nonce, additionalData) = try Self.parse(parameters)
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: additionalData)
        } catch {
            throw .backendFailure("AES-GCM seal: \(error)")
        }
        return Array(box.ciphertext) + Array(box.tag)
    }

    public func decrypt(_ ciphertext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try AESKey.symmetricKey(key)
        let (nonce, additionalData) = try Self.parse(parameters)
        guard ciphertext.count >= Self.tagByteCount else {
            throw .encryptedDataLenRange("AES-GCM input is shorter than its 16-byte tag")
        }
        let split = ciphertext.count - Self.tagByteCount
        do {
            let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: ciphertext[..<split], tag: ciphertext[split...])
            return Array(try AES.GCM.open(box, using: key, authenticating: additionalData))
        } catch {
            throw .encryptedDataInvalid
        }
    }

    private static func parse(_ parameters: MechanismParameters) throws(CryptoError) -> (AES.GCM.Nonce, [UInt8]) {
        guard case .gcm(let iv, let additionalData, let tagBits) = parameters else {
            throw .mechanismParamInvalid("CKM_AES_GCM needs CK_GCM_PARAMS")
        }
        guard tagBits == tagByteCount * 8 else {
            throw .mechanismParamInvalid("AES-GCM tag must be 128 bits, not \(tagBits)")
        }
        guard iv.count >= minimumIVByteCount else {
            throw .mechanismParamInvalid("AES-GCM IV must be at least 12 bytes, not \(iv.count)")
        }
        do {
            return (try AES.GCM.Nonce(data: iv), additionalData)
        } catch {
            throw .mechanismParamInvalid("AES-GCM IV rejected: \(error)")
        }
    }
}
