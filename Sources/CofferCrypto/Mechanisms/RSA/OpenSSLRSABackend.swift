// RSA on OpenSSL 3's EVP API. Chosen over swift-crypto's _RSA because it signs raw DigestInfo and
// precomputed PSS hashes (which PKCS#11 needs) and is faster here; see docs/crypto-backends.md.

import COpenSSL

/// The OpenSSL 3 RSA backend. Every OpenSSL object it makes is freed before the call returns,
/// except the EVP_PKEY that an `OpenSSLRSAKey` owns; the thread's error queue is cleared on failure.
struct OpenSSLRSABackend: RSABackend {
    func generateKey(bits: Int, publicExponent: [UInt8]) throws(CryptoError) -> any RSABackendKey {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { throw Self.failure("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1 else {
            throw Self.failure("keygen init")
        }
        let exponent = try publicExponent.withUnsafeBufferPointer { buffer throws(CryptoError) -> OpaquePointer in
            guard let bn = BN_bin2bn(buffer.baseAddress, Int32(buffer.count), nil) else { throw Self.failure("BN_bin2bn") }
            return bn
        }
        defer { BN_free(exponent) }
        guard EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, exponent) == 1 else { throw Self.failure("public exponent") }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen(ctx, &pkey) == 1, let pkey else { throw Self.failure("EVP_PKEY_keygen") }
        return OpenSSLRSAKey(pkey, hasPrivateKey: true)
    }

    func privateKey(der: [UInt8]) throws(CryptoError) -> any RSABackendKey {
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_AutoPrivateKey(nil, &cursor, buffer.count)
        }
        return try Self.checkedRSA(parsed, hasPrivateKey: true)
    }

    func publicKey(der: [UInt8]) throws(CryptoError) -> any RSABackendKey {
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        return try Self.checkedRSA(parsed, hasPrivateKey: false)
    }

    func privateKey(modulus: [UInt8], publicExponent: [UInt8], privateExponent: [UInt8]) throws(CryptoError)
        -> any RSABackendKey
    {
        // EVP_PKEY_KEYPAIR (a compound macro Swift does not import): key pair plus all parameters.
        try key(from: [("n", modulus), ("e", publicExponent), ("d", privateExponent)], selection: 0x87, hasPrivateKey: true)
    }

    func publicKey(modulus: [UInt8], publicExponent: [UInt8]) throws(CryptoError) -> any RSABackendKey {
        // EVP_PKEY_PUBLIC_KEY: the public key plus all parameters.
        try key(from: [("n", modulus), ("e", publicExponent)], selection: 0x86, hasPrivateKey: false)
    }

    /// A key from its numbers (big-endian), as EVP_PKEY_fromdata takes them.
    private func key(from fields: [(StaticString, [UInt8])], selection: Int32, hasPrivateKey: Bool) throws(CryptoError)
        -> any RSABackendKey
    {
        guard let builder = OSSL_PARAM_BLD_new() else { throw Self.failure("OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(builder) }
        var numbers: [OpaquePointer] = []
        defer { numbers.forEach { BN_clear_free($0) } }
        // The builder keeps the name pointers until OSSL_PARAM_BLD_to_param, so they must be static.
        for (name, value) in fields {
            let bn = value.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32($0.count), nil) }
            guard let bn else { throw Self.failure("BN_bin2bn") }
            numbers.append(bn)
            let cName = UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
            guard OSSL_PARAM_BLD_push_BN(builder, cName, bn) == 1 else { throw Self.failure("OSSL_PARAM_BLD_push_BN") }
        }
        guard let params = OSSL_PARAM_BLD_to_param(builder) else { throw Self.failure("OSSL_PARAM_BLD_to_param") }
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { throw Self.failure("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_fromdata_init(ctx) == 1, EVP_PKEY_fromdata(ctx, &pkey, selection, params) == 1, let pkey else {
            throw Self.failure("EVP_PKEY_fromdata")
        }
        return OpenSSLRSAKey(pkey, hasPrivateKey: hasPrivateKey)
    }

    private static func checkedRSA(_ pkey: OpaquePointer?, hasPrivateKey: Bool) throws(CryptoError) -> OpenSSLRSAKey {
        guard let pkey else {
            ERR_clear_error()
            throw .keyEncodingInvalid("not a DER RSA key")
        }
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA else {
            EVP_PKEY_free(pkey)
            throw .keyTypeInconsistent("DER key is not RSA")
        }
        return OpenSSLRSAKey(pkey, hasPrivateKey: hasPrivateKey)
    }

    /// Takes the oldest error off this thread's OpenSSL queue, clears the rest, and names the call.
    static func failure(_ call: String) -> CryptoError {
        let code = ERR_get_error()
        ERR_clear_error()
        return .backendFailure("\(call) failed (OpenSSL error 0x\(String(code, radix: 16)))")
    }
}

/// An EVP_PKEY holding an RSA key. OpenSSL 3 allows concurrent operations on one EVP_PKEY as long
/// as each has its own EVP_PKEY_CTX, which every method here makes and frees.
final class OpenSSLRSAKey: RSABackendKey, @unchecked Sendable {
    private let pkey: OpaquePointer
    let hasPrivateKey: Bool
    let modulusBits: Int

    init(_ pkey: OpaquePointer, hasPrivateKey: Bool) {
        self.pkey = pkey
        self.hasPrivateKey = hasPrivateKey
        self.modulusBits = Int(EVP_PKEY_get_bits(pkey))
    }

    deinit { EVP_PKEY_free(pkey) }

    private var modulusBytes: Int { (modulusBits + 7) / 8 }

    func publicOnly() throws(CryptoError) -> any RSABackendKey {
        try OpenSSLRSABackend().publicKey(der: publicKeyDER())
    }

    func privateKeyDER() throws(CryptoError) -> SecretBytes {
        guard hasPrivateKey else { throw .backendFailure("a public RSA key has no private DER") }
        return try OpenSSLDER.pkcs8(pkey)
    }

    func publicKeyDER() throws(CryptoError) -> [UInt8] { try OpenSSLDER.subjectPublicKeyInfo(pkey) }

    func publicNumbers() throws(CryptoError) -> (modulus: [UInt8], publicExponent: [UInt8]) {
        (try number("n"), try number("e"))
    }

    private func number(_ name: String) throws(CryptoError) -> [UInt8] {
        var bn: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, let bn else { throw OpenSSLRSABackend.failure("get \(name)") }
        defer { BN_free(bn) }
        var bytes = [UInt8](repeating: 0, count: (Int(BN_num_bits(bn)) + 7) / 8)
        _ = bytes.withUnsafeMutableBufferPointer { BN_bn2bin(bn, $0.baseAddress) }
        return bytes
    }

    func sign(_ input: [UInt8], padding: RSASignaturePadding) throws(CryptoError) -> [UInt8] {
        guard hasPrivateKey else { throw .keyTypeInconsistent("signing needs an RSA private key") }
        let ctx = try context(EVP_PKEY_sign_init, padding: padding)
        defer { EVP_PKEY_CTX_free(ctx) }
        var signature = [UInt8](repeating: 0, count: modulusBytes)
        var length = signature.count
        let rc = signature.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { EVP_PKEY_sign(ctx, out.baseAddress, &length, $0.baseAddress, $0.count) }
        }
        guard rc == 1 else { throw OpenSSLRSABackend.failure("EVP_PKEY_sign") }
        return Array(signature.prefix(length))
    }

    func verify(_ signature: [UInt8], for input: [UInt8], padding: RSASignaturePadding) throws(CryptoError) -> Bool {
        let ctx = try context(EVP_PKEY_verify_init, padding: padding)
        defer { EVP_PKEY_CTX_free(ctx) }
        let rc = signature.withUnsafeBufferPointer { sig in
            input.withUnsafeBufferPointer {
                EVP_PKEY_verify(ctx, sig.baseAddress, sig.count, $0.baseAddress, $0.count)
            }
        }
        // 0 is a bad signature, a negative value a malformed one; both leave errors on the queue.
        ERR_clear_error()
        return rc == 1
    }

    func encrypt(_ plaintext: [UInt8], padding: RSAEncryptionPadding) throws(CryptoError) -> [UInt8] {
        let ctx = try encryptionContext(EVP_PKEY_encrypt_init, padding)
        defer { EVP_PKEY_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: modulusBytes)
        var length = out.count
        let rc = out.withUnsafeMutableBufferPointer { buffer in
            plaintext.withUnsafeBufferPointer { EVP_PKEY_encrypt(ctx, buffer.baseAddress, &length, $0.baseAddress, $0.count) }
        }
        guard rc == 1 else { throw OpenSSLRSABackend.failure("EVP_PKEY_encrypt") }
        return Array(out.prefix(length))
    }

    func decrypt(_ ciphertext: [UInt8], padding: RSAEncryptionPadding) throws(CryptoError) -> [UInt8] {
        guard hasPrivateKey else { throw .keyTypeInconsistent("decryption needs an RSA private key") }
        let ctx = try encryptionContext(EVP_PKEY_decrypt_init, padding)
        defer { EVP_PKEY_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: modulusBytes)
        defer { out.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        var length = out.count
        let rc = out.withUnsafeMutableBufferPointer { buffer in
            ciphertext.withUnsafeBufferPointer { EVP_PKEY_decrypt(ctx, buffer.baseAddress, &length, $0.baseAddress, $0.count) }
        }
        guard rc == 1 else {
            // Padding failures are the caller's ciphertext, not a backend fault; say no more than that.
            ERR_clear_error()
            throw .encryptedDataInvalid
        }
        return Array(out.prefix(length))
    }

    private func context(
        _ initialise: (OpaquePointer?) -> Int32,
        padding: RSASignaturePadding
    ) throws(CryptoError) -> OpaquePointer {
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw OpenSSLRSABackend.failure("EVP_PKEY_CTX_new") }
        var ok = initialise(ctx) == 1
        switch padding {
        case .pkcs1(let hash):
            ok = ok && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
            if let hash { ok = ok && EVP_PKEY_CTX_set_signature_md(ctx, Self.digest(hash)) == 1 }
        case .pss(let hash, let mgf, let saltLength):
            ok = ok && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1
                && EVP_PKEY_CTX_set_signature_md(ctx, Self.digest(hash)) == 1
                && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, Self.digest(mgf)) == 1
                && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, Int32(saltLength)) == 1
        }
        guard ok else {
            EVP_PKEY_CTX_free(ctx)
            throw OpenSSLRSABackend.failure("RSA signature context")
        }
        return ctx
    }

    private func encryptionContext(_ initialise: (OpaquePointer?) -> Int32, _ padding: RSAEncryptionPadding) throws(CryptoError)
        -> OpaquePointer
    {
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw OpenSSLRSABackend.failure("EVP_PKEY_CTX_new") }
        guard case .oaep(let oaep) = padding else {
            guard initialise(ctx) == 1, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 else {
                EVP_PKEY_CTX_free(ctx)
                throw OpenSSLRSABackend.failure("RSA PKCS#1 v1.5 context")
            }
            return ctx
        }
        var ok = initialise(ctx) == 1
            && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1
            && EVP_PKEY_CTX_set_rsa_oaep_md(ctx, Self.digest(oaep.hash)) == 1
            && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, Self.digest(oaep.mgf)) == 1
        if ok && !oaep.label.isEmpty {
            // set0 takes ownership of an OPENSSL_malloc'd buffer and frees it with the context.
            if let copy = CRYPTO_malloc(oaep.label.count, #fileID, #line) {
                oaep.label.withUnsafeBytes { UnsafeMutableRawBufferPointer(start: copy, count: $0.count).copyMemory(from: $0) }
                ok = EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, copy, Int32(oaep.label.count)) == 1
                if !ok { CRYPTO_free(copy, #fileID, #line) }
            } else {
                ok = false
            }
        }
        guard ok else {
            EVP_PKEY_CTX_free(ctx)
            throw OpenSSLRSABackend.failure("RSA OAEP context")
        }
        return ctx
    }

    private static func digest(_ hash: RSAHash) -> OpaquePointer? {
        switch hash {
        case .sha1: EVP_sha1()
        case .sha224: EVP_sha224()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }
}
