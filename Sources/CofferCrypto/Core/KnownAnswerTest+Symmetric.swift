// Start-up known-answer tests for the symmetric mechanisms: one published vector per mechanism and
// direction, read from the same files as the unit tests, plus one must-fail case for each AEAD/wrap check.

import Crypto

extension KnownAnswerTest {
    static let symmetric: [KnownAnswerTest] = symmetricSelfTests(vectors: .bundled)

    /// The symmetric self-tests reading their vectors from `vectors` (tests pass a corrupted source).
    static func symmetricSelfTests(vectors: VectorFile) -> [KnownAnswerTest] {
        [
            KnownAnswerTest(name: "AES-GCM encrypt (NIST CAVP gcmEncryptExtIV)") { registry in
                let r = try firstRecord(vectors.cavp("gcmEncryptExtIV-subset.rsp"), section: gcmSection)
                let output = try registry.cipher(.aesGCM).encrypt(try r.bytes("PT"), key: secret(r.bytes("Key")), parameters: gcm(r))
                try expect(output, try r.bytes("CT") + r.bytes("Tag"))
            },
            KnownAnswerTest(name: "AES-GCM decrypt and tag check (NIST CAVP gcmDecrypt)") { registry in
                let records = try vectors.cavp("gcmDecrypt-subset.rsp")
                let good = try firstRecord(records, section: gcmSection) { !$0.expectsFailure }
                let bad = try firstRecord(records, section: gcmSection) { $0.expectsFailure }
                let cipher = try registry.cipher(.aesGCM)
                let output = try cipher.decrypt(good.bytes("CT") + good.bytes("Tag"), key: secret(good.bytes("Key")), parameters: gcm(good))
                try expect(output, try good.bytes("PT"))
                try expectFailure(.encryptedDataInvalid) {
                    _ = try cipher.decrypt(bad.bytes("CT") + bad.bytes("Tag"), key: secret(bad.bytes("Key")), parameters: gcm(bad))
                }
            },
            KnownAnswerTest(name: "AES-CBC (NIST CAVP CBCMMT256)") { registry in
                let r = try firstRecord(vectors.cavp("CBCMMT256.rsp"), section: ["ENCRYPT": ""])
                let cipher = try registry.cipher(.aesCBC)
                let key = try secret(r.bytes("KEY"))
                try expect(try cipher.encrypt(r.bytes("PLAINTEXT"), key: key, parameters: .iv(r.bytes("IV"))), try r.bytes("CIPHERTEXT"))
                try expect(try cipher.decrypt(r.bytes("CIPHERTEXT"), key: key, parameters: .iv(r.bytes("IV"))), try r.bytes("PLAINTEXT"))
            },
            KnownAnswerTest(name: "AES-CBC-PAD (Wycheproof aes_cbc_pkcs5)") { registry in
                let cases = try vectors.wycheproof("aes_cbc_pkcs5_test.json").testGroups.flatMap(\.tests)
                guard let c = cases.first(where: { $0.result == "valid" && $0.msg?.isEmpty == false }) else {
                    throw CryptoError.selfTestFailed("no valid AES-CBC-PAD case")
                }
                let cipher = try registry.cipher(.aesCBCPad)
                let key = try secret(c.bytes(\.key))
                try expect(try cipher.encrypt(c.bytes(\.msg), key: key, parameters: .iv(c.bytes(\.iv))), try c.bytes(\.ct))
                try expect(try cipher.decrypt(c.bytes(\.ct), key: key, parameters: .iv(c.bytes(\.iv))), try c.bytes(\.msg))
            },
            KnownAnswerTest(name: "AES-CTR (NIST SP 800-38A F.5.1)") { registry in
                let r = try firstRecord(vectors.cavp("sp800-38a-ctr.txt"), section: ["ENCRYPT": ""])
                let parameters = MechanismParameters.ctr(counterBits: 128, counterBlock: try r.bytes("IV"))
                let output = try registry.cipher(.aesCTR).encrypt(r.bytes("PLAINTEXT"), key: secret(r.bytes("KEY")), parameters: parameters)
                try expect(output, try r.bytes("CIPHERTEXT"))
            },
            KnownAnswerTest(name: "AES-ECB (NIST CAVP ECBMMT128)") { registry in
                let r = try firstRecord(vectors.cavp("ECBMMT128.rsp"), section: ["ENCRYPT": ""])
                let cipher = try registry.cipher(.aesECB)
                let key = try secret(r.bytes("KEY"))
                try expect(try cipher.encrypt(r.bytes("PLAINTEXT"), key: key, parameters: .none), try r.bytes("CIPHERTEXT"))
                try expect(try cipher.decrypt(r.bytes("CIPHERTEXT"), key: key, parameters: .none), try r.bytes("PLAINTEXT"))
            },
            KnownAnswerTest(name: "AES key wrap (RFC 3394 4.1)") { registry in
                try wrapRoundTrip(registry.cipher(.aesKeyWrap), firstRecord(vectors.cavp("rfc3394-kw.txt"), section: ["RFC 3394": ""]))
            },
            KnownAnswerTest(name: "AES key wrap with padding (RFC 5649 section 6)") { registry in
                try wrapRoundTrip(registry.cipher(.aesKeyWrapKWP), firstRecord(vectors.cavp("rfc5649-kwp.txt"), section: ["RFC 5649": ""]))
            },
            KnownAnswerTest(name: "AES-CMAC (NIST SP 800-38B D.1)") { registry in
                let r = try firstRecord(vectors.cavp("nist-800-38b-aes128.txt"), section: [:]) { $0.fields["COUNT"] == "2" }
                let mac = try registry.signature(.aesCMAC)
                let key = try secret(r.bytes("KEY"))
                try expect(try mac.sign(r.bytes("MESSAGE"), key: key, parameters: .none), try r.bytes("OUTPUT"))
                try mac.verify(r.bytes("OUTPUT"), for: r.bytes("MESSAGE"), key: key, parameters: .none)
            },
            hmac(.sha256HMAC, "rfc-4231-sha256.txt", vectors),
            hmac(.sha384HMAC, "rfc-4231-sha384.txt", vectors),
            hmac(.sha512HMAC, "rfc-4231-sha512.txt", vectors),
            KnownAnswerTest(name: "HKDF-SHA256 (RFC 5869 A.1)") { registry in
                let r = try firstRecord(vectors.cavp("rfc-5869-HKDF-SHA256.txt"), section: [:])
                let parameters = HKDFParameters(extract: true, expand: true, hash: .sha256, salt: try r.bytes("salt"), info: try r.bytes("info"))
                let key = try registry.derivation(.hkdfDerive).derive(
                    baseKey: secret(r.bytes("IKM")), parameters: .hkdf(parameters), outputByteCount: r.int("L"))
                try expect(key.withUnsafeBytes { Array($0) }, try r.bytes("OKM"))
            },
            KnownAnswerTest(name: "AES and generic secret key generation give fresh keys of the asked size") { registry in
                let aes = try registry.keyGeneration(.aesKeyGen)
                let generic = try registry.keyGeneration(.genericSecretKeyGen)
                let first = try aes.generateKey(byteCount: 32), second = try aes.generateKey(byteCount: 32)
                guard first.bitCount == 256, first != second, try generic.generateKey(byteCount: 64).bitCount == 512 else {
                    throw CryptoError.selfTestFailed("key generation gave a wrong or repeated key")
                }
            },
        ]
    }

    private static let gcmSection = ["IVLEN": "96", "TAGLEN": "128", "PTLEN": "128", "AADLEN": "160"]

    private static func hmac(_ type: MechanismType, _ file: String, _ vectors: VectorFile) -> KnownAnswerTest {
        KnownAnswerTest(name: "HMAC \(file) (RFC 4231 4.2)") { registry in
            let r = try firstRecord(vectors.cavp(file), section: [:])
            let mac = try registry.signature(type)
            let key = try secret(r.bytes("Key"))
            try expect(try mac.sign(r.bytes("Msg"), key: key, parameters: .none), try r.bytes("MD"))
            try mac.verify(r.bytes("MD"), for: r.bytes("Msg"), key: key, parameters: .none)
        }
    }

    private static func wrapRoundTrip(_ cipher: any CipherMechanism, _ r: VectorFile.CAVPRecord) throws {
        let kek = try secret(r.bytes("K"))
        let wrapped = try r.bytes("C")
        try expect(try cipher.encrypt(r.bytes("P"), key: kek, parameters: .none), wrapped)
        try expect(try cipher.decrypt(wrapped, key: kek, parameters: .none), try r.bytes("P"))
        var tampered = wrapped
        tampered[tampered.count - 1] ^= 0x01
        try expectFailure(.wrappedKeyInvalid) { _ = try cipher.decrypt(tampered, key: kek, parameters: .none) }
    }

    static func secret(_ bytes: [UInt8]) -> KeyMaterial {
        .secret(SymmetricKey(data: bytes))
    }

    static func gcm(_ r: VectorFile.CAVPRecord) throws -> MechanismParameters {
        .gcm(iv: try r.bytes("IV"), additionalData: try r.bytes("AAD"), tagBits: try r.int("Taglen"))
    }

    /// The first record whose headers include `section` and that satisfies `predicate`.
    static func firstRecord(
        _ records: [VectorFile.CAVPRecord],
        section: [String: String],
        where predicate: (VectorFile.CAVPRecord) -> Bool = { _ in true }
    ) throws -> VectorFile.CAVPRecord {
        let found = records.first { record in
            section.allSatisfy { record.headers[$0.key] == $0.value } && predicate(record)
        }
        guard let found else { throw CryptoError.selfTestFailed("no vector in section \(section)") }
        return found
    }

    static func expect(_ actual: [UInt8], _ expected: [UInt8]) throws {
        guard actual == expected else { throw CryptoError.selfTestFailed("answer differs from vector") }
    }

    static func expectFailure(_ expected: CryptoError, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CryptoError where error == expected {
            return
        }
        throw CryptoError.selfTestFailed("a must-fail vector was accepted")
    }
}
