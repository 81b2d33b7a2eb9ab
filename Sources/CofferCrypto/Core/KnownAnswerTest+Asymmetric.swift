// Start-up known-answer tests for the asymmetric mechanisms. Deterministic algorithms are checked
// against published answers (CAVP SigGen15, RFC 8032, Wycheproof, NIST ACVP-style KATs); randomised
// ones get a verify KAT plus a sign/verify pairwise check. No RSA key is generated here.

import Crypto

extension KnownAnswerTest {
    static let asymmetric: [KnownAnswerTest] = [
        KnownAnswerTest(name: "RSA-2048 PKCS#1 v1.5 SHA-256 sign (CAVP SigGen15)") { registry in
            let (key, record) = try sigGenKey()
            let mechanism = try registry.signature(.sha256RSAPKCS)
            let message = try AsymmetricVectors.hex(record["Msg"], "Msg")
            let signature = try mechanism.sign(message, key: .privateKey(key), parameters: .none)
            try expectEqual(signature, hex: record["S"] ?? "")
            try mechanism.verify(signature, for: message, key: .publicKey(key.publicKey), parameters: .none)
        },
        KnownAnswerTest(name: "RSA-2048 PSS SHA-256 verify (Wycheproof) and pairwise") { registry in
            let group = try firstGroup("rsa_pss_2048_sha256_mgf1_32_test.json")
            let publicKey = try RSAPublicKey(derRepresentation: AsymmetricVectors.hex(group["keyDer"], "keyDer"))
            let test = try firstValid(group)
            let mechanism = try registry.signature(.sha256RSAPKCSPSS)
            let parameters = MechanismParameters.pss(hash: .sha256, mgf: .sha256, saltLength: 32)
            try mechanism.verify(test.hex("sig"), for: test.hex("msg"), key: .publicKey(publicKey), parameters: parameters)
            let (key, _) = try sigGenKey()
            let signature = try mechanism.sign([0x61], key: .privateKey(key), parameters: parameters)
            try mechanism.verify(signature, for: [0x61], key: .publicKey(key.publicKey), parameters: parameters)
        },
        KnownAnswerTest(name: "RSA-2048 OAEP SHA-256 decrypt (Wycheproof)") { registry in
            let group = try firstGroup("rsa_oaep_2048_sha256_mgf1sha256_test.json")
            var der = try AsymmetricVectors.hex(group["privateKeyPkcs8"], "privateKeyPkcs8")
            let key = try RSAPrivateKey(derRepresentation: SecretBytes(consuming: &der))
            let test = try firstValid(group)
            let parameters = MechanismParameters.oaep(hash: .sha256, mgf: .sha256, label: try test.hex("label"))
            let plaintext = try registry.cipher(.rsaPKCSOAEP).decrypt(test.hex("ct"), key: .privateKey(key), parameters: parameters)
            try expectEqual(plaintext, hex: test["msg"] ?? "")
        },
        KnownAnswerTest(name: "ECDSA P-256 SHA-256 verify (Wycheproof) and pairwise") { registry in
            let group = try firstGroup("ecdsa_secp256r1_sha256_p1363_test.json")
            let publicKey = try ECPublicKey(curve: .p256, encoded: AsymmetricVectors.hex(group["publicKeyDer"], "publicKeyDer"))
            let test = try firstValid(group)
            let mechanism = try registry.signature(.ecdsaSHA256)
            try mechanism.verify(test.hex("sig"), for: test.hex("msg"), key: .publicKey(publicKey), parameters: .none)
            let key = try registry.keyPairGeneration(.ecKeyPairGen).generateKeyPair(.ec(.p256))
            let signature = try mechanism.sign([0x61], key: .privateKey(key), parameters: .none)
            try mechanism.verify(signature, for: [0x61], key: .publicKey(key.publicKey), parameters: .none)
        },
        KnownAnswerTest(name: "ECDH P-256 derive (Wycheproof)") { registry in
            let test = try firstValid(firstGroup("ecdh_secp256r1_ecpoint_test.json"))
            let key = try ECPrivateKey(curve: .p256, scalar: fixedWidth(test.hex("private"), 32))
            let parameters = MechanismParameters.ecdh(kdf: .null, sharedData: [], publicData: try test.hex("public"))
            let shared = try registry.derivation(.ecdh1Derive).derive(baseKey: .privateKey(key), parameters: parameters, outputByteCount: 32)
            try expectEqual(shared.withUnsafeBytes { Array($0) }, hex: test["shared"] ?? "")
        },
        KnownAnswerTest(name: "Ed25519 sign (RFC 8032 section 7.1)") { registry in
            let mechanism = try registry.signature(.eddsa)
            for record in try AsymmetricVectors.records("rfc8032-ed25519.txt") {
                let key = try Ed25519PrivateKey(seed: AsymmetricVectors.hex(record["secret"], "secret"))
                let message = try AsymmetricVectors.hex(record["message"], "message")
                let signature = try mechanism.sign(message, key: .privateKey(key), parameters: .none)
                try expectEqual(signature, hex: record["signature"] ?? "")
                try mechanism.verify(signature, for: message, key: .publicKey(key.publicKey), parameters: .none)
            }
        },
        KnownAnswerTest(name: "X25519 derive (Wycheproof)") { registry in
            let test = try firstValid(firstGroup("x25519_test.json"))
            let key = try X25519PrivateKey(scalar: test.hex("private"))
            let parameters = MechanismParameters.ecdh(kdf: .null, sharedData: [], publicData: try test.hex("public"))
            let shared = try registry.derivation(.ecdh1Derive).derive(baseKey: .privateKey(key), parameters: parameters, outputByteCount: 32)
            try expectEqual(shared.withUnsafeBytes { Array($0) }, hex: test["shared"] ?? "")
        },
        KnownAnswerTest(name: "ML-DSA-65/87 key generation and verify (NIST KAT) and pairwise") { registry in
            for (set, file) in [(MLDSAParameterSet.mlDSA65, "kat_MLDSA_65_det_pure-subset.rsp"), (.mlDSA87, "kat_MLDSA_87_det_pure-subset.rsp")] {
                guard let record = try AsymmetricVectors.records(file).first else { throw CryptoError.selfTestFailed("empty \(file)") }
                var seed = try AsymmetricVectors.hex(record["xi"], "xi")
                let key = try MLDSAPrivateKey(parameterSet: set, seed: SecretBytes(consuming: &seed))
                try expectEqual(key.publicKey.serialized, hex: record["pk"] ?? "")
                let (message, signature) = try mldsaSignature(record)
                let mechanism = try registry.signature(.mlDSA)
                let context = MechanismParameters.signatureContext(try AsymmetricVectors.hex(record["ctx"], "ctx"))
                try mechanism.verify(signature, for: message, key: .publicKey(key.publicKey), parameters: context)
                let fresh = try mechanism.sign([0x61], key: .privateKey(key), parameters: context)
                try mechanism.verify(fresh, for: [0x61], key: .publicKey(key.publicKey), parameters: context)
            }
        },
        KnownAnswerTest(name: "ML-KEM-768/1024 decapsulation (NIST KAT)") { registry in
            for (set, file) in [(MLKEMParameterSet.mlKEM768, "kat_MLKEM_768-subset.rsp"), (.mlKEM1024, "kat_MLKEM_1024-subset.rsp")] {
                guard let record = try AsymmetricVectors.records(file).first else { throw CryptoError.selfTestFailed("empty \(file)") }
                let key = try mlkemKey(set, record)
                try expectEqual(key.publicKey.serialized, hex: record["pk"] ?? "")
                let shared = try registry.encapsulation(.mlKEM).decapsulate(AsymmetricVectors.hex(record["ct"], "ct"), privateKey: .privateKey(key))
                try expectEqual(shared.withUnsafeBytes { Array($0) }, hex: record["ss"] ?? "")
            }
        },
    ]

    /// The first RSA-2048 SHA-256 record of the CAVP SigGen15 file and its private key (n, e, d).
    static func sigGenKey() throws -> (RSAPrivateKey, [String: String]) {
        let records = try AsymmetricVectors.sigGenRecords("SigGen15_186-2-subset.txt")
        guard let record = records.first(where: { $0["SHAAlg"] == "SHA256" && ($0["n"]?.count ?? 0) == 512 }) else {
            throw CryptoError.selfTestFailed("no RSA-2048 SHA-256 SigGen15 record")
        }
        return (try rsaKey(record), record)
    }

    /// An RSA private key from a SigGen15 record's n, e and d.
    static func rsaKey(_ record: [String: String]) throws -> RSAPrivateKey {
        var d = try AsymmetricVectors.hex(record["d"], "d")
        defer { d.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        let backendKey = try RSABackends.current.privateKey(
            modulus: AsymmetricVectors.hex(record["n"], "n"),
            publicExponent: Array(AsymmetricVectors.hex(record["e"], "e").drop { $0 == 0 }),
            privateExponent: d)
        return try RSAPrivateKey(backendKey, storable: false)
    }

    /// An ML-KEM key from a NIST KAT record's d and z (FIPS 203 seed d || z).
    static func mlkemKey(_ set: MLKEMParameterSet, _ record: [String: String]) throws -> MLKEMPrivateKey {
        var seed = try AsymmetricVectors.hex(record["d"], "d") + AsymmetricVectors.hex(record["z"], "z")
        return try MLKEMPrivateKey(parameterSet: set, seed: SecretBytes(consuming: &seed))
    }

    /// The message and signature of a NIST ML-DSA KAT record, whose `sm` is signature || message.
    static func mldsaSignature(_ record: [String: String]) throws -> (message: [UInt8], signature: [UInt8]) {
        let message = try AsymmetricVectors.hex(record["msg"], "msg")
        let signed = try AsymmetricVectors.hex(record["sm"], "sm")
        guard signed.count >= message.count else { throw CryptoError.selfTestFailed("sm shorter than msg") }
        return (message, Array(signed.dropLast(message.count)))
    }

    static func firstGroup(_ file: String) throws -> WycheproofGroup {
        guard let group = try AsymmetricVectors.wycheproofGroups(file).first else { throw CryptoError.selfTestFailed("empty \(file)") }
        return group
    }

    static func firstValid(_ group: WycheproofGroup) throws -> WycheproofTest {
        guard let test = group.tests.first(where: { $0.result == "valid" }) else { throw CryptoError.selfTestFailed("no valid case") }
        return test
    }

    /// Wycheproof writes scalars as signed big integers: drop a leading zero byte, left-pad to `width`.
    static func fixedWidth(_ bytes: [UInt8], _ width: Int) -> [UInt8] {
        let trimmed = Array(bytes.drop { $0 == 0 })
        return trimmed.count >= width ? Array(trimmed.suffix(width)) : [UInt8](repeating: 0, count: width - trimmed.count) + trimmed
    }
}
