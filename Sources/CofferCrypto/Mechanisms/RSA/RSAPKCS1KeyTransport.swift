// CKM_RSA_PKCS as key transport (C_WrapKey / C_UnwrapKey of secret keys): RSAES-PKCS1-v1_5, which
// generic PKCS#11 clients use to move AES keys. Unwrapping with it is a padding oracle on the private
// key (Bleichenbacher 1998; Bardou et al. 2012 against PKCS#11 tokens) unless no answer depends on
// the padding: this unwrap always yields a key of the length asked for, the real one when the blob
// opens to exactly that many bytes and otherwise one derived from the private key and the blob
// (implicit rejection, as in TLS 1.2's premaster handling and OpenSSL 3.2's RSA decryption). The same
// blob always yields the same key, and both paths do the same work.

import Crypto

extension RSAPKCS1Signature: KeyTransportMechanism {
    public func wrap(_ value: SecretBytes, key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        guard variant == .raw else { throw .mechanismInvalid(type) }
        guard parameters == .none else { throw .mechanismParamInvalid("CKM_RSA_PKCS takes no parameter") }
        let publicKey = try key.publicKey(RSAPublicKey.self, orPublicHalfOf: RSAPrivateKey.self, for: type)
        try sizes.check(publicKey.keySizeInBits)
        // RFC 8017 section 7.2.1: mLen <= k - 11.
        let limit = (publicKey.keySizeInBits + 7) / 8 - 11
        guard value.count <= limit else { throw .keySizeRange("CKM_RSA_PKCS wraps at most \(limit) bytes with this key") }
        return try value.withUnsafeBytes { (bytes) throws(CryptoError) in
            try publicKey.backendKey.encrypt(Array(bytes), padding: .pkcs1)
        }
    }

    public func unwrap(_ blob: [UInt8], length: Int, key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> SecretBytes {
        guard variant == .raw else { throw .mechanismInvalid(type) }
        guard parameters == .none else { throw .mechanismParamInvalid("CKM_RSA_PKCS takes no parameter") }
        let privateKey = try key.privateKey(RSAPrivateKey.self, for: type)
        try sizes.check(privateKey.keySizeInBits)
        let k = (privateKey.keySizeInBits + 7) / 8
        // The blob's length is public (the modulus's): refusing a wrong one tells nothing.
        guard blob.count == k else { throw .wrappedKeyLenRange("a CKM_RSA_PKCS wrapped key is \(k) bytes") }
        guard length > 0, length <= k - 11 else { throw .keySizeRange("CKM_RSA_PKCS unwraps at most \(k - 11) bytes with this key") }
        // The substitute first, whatever happens next.
        let der = try privateKey.backendKey.privateKeyDER()
        let substitute = der.withUnsafeBytes { derBytes in
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: SHA256.hash(data: derBytes)), salt: blob,
                info: Array("coffer CKM_RSA_PKCS implicit rejection".utf8), outputByteCount: length)
        }
        var opened: [UInt8]
        do {
            opened = try privateKey.backendKey.decrypt(blob, padding: .pkcs1)
        } catch .encryptedDataInvalid {
            opened = []
        }
        defer { opened.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        return opened.count == length ? SecretBytes(opened) : substitute.withUnsafeBytes { SecretBytes($0) }
    }
}
