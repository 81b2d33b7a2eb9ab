// CKM_AES_GCM on swift-crypto's AES.GCM. The output is ciphertext || tag, as PKCS#11 defines it
// (PKCS#11 3.0 section 2.12.x, CK_GCM_PARAMS): the tag is not returned separately.

import Crypto

/// AES in Galois/Counter Mode.
///
/// IVs of 12 bytes or more (shorter IVs are the ones NIST SP 800-38D discourages) and tags of 96,
/// 104, 112, 120 or 128 bits (SP 800-38D section 5.2.1.2). 128-bit tags run on swift-crypto's
/// AES.GCM; the shorter ones, which it cannot make or check, on OpenSSL (OpenSSLGCM). SP 800-38D's
/// 64- and 32-bit tags, allowed only under the limits of its appendix C, are refused with
/// `mechanismParamInvalid`, as are other lengths and IVs.
public struct AESGCM: CipherMechanism {
    static let tagByteCount = 16
    static let minimumIVByteCount = 12

    public init() {}

    public var type: MechanismType { .aesGCM }

    public var info: MechanismInfo { AESKey.info([.encrypt, .decrypt, .wrap, .unwrap]) }

    /// The tag lengths in bits.
    static let tagBits: Set<Int> = [96, 104, 112, 120, 128]

    public func encrypt(_ plaintext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        let key = try AESKey.symmetricKey(key)
        let (nonce, additionalData, tagBytes) = try Self.parse(parameters)
        if tagBytes < Self.tagByteCount {
            return try OpenSSLGCM.seal(plaintext, key: key, iv: Array(nonce), additionalData: additionalData, tagBytes: tagBytes)
        }
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
        let (nonce, additionalData, tagBytes) = try Self.parse(parameters)
        if tagBytes < Self.tagByteCount {
            return try OpenSSLGCM.open(ciphertext, key: key, iv: Array(nonce), additionalData: additionalData, tagBytes: tagBytes)
        }
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

    private static func parse(_ parameters: MechanismParameters) throws(CryptoError) -> (AES.GCM.Nonce, [UInt8], Int) {
        guard case .gcm(let iv, let additionalData, let tagBits) = parameters else {
            throw .mechanismParamInvalid("CKM_AES_GCM needs CK_GCM_PARAMS")
        }
        guard Self.tagBits.contains(tagBits) else {
            throw .mechanismParamInvalid("AES-GCM tag must be 96, 104, 112, 120 or 128 bits, not \(tagBits)")
        }
        guard iv.count >= minimumIVByteCount else {
            throw .mechanismParamInvalid("AES-GCM IV must be at least 12 bytes, not \(iv.count)")
        }
        do {
            return (try AES.GCM.Nonce(data: iv), additionalData, tagBits / 8)
        } catch {
            throw .mechanismParamInvalid("AES-GCM IV rejected: \(error)")
        }
    }
}
