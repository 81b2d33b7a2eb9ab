import Crypto
import Testing

@testable import CofferCrypto

@Suite struct EdwardsTests {
    let registry = MechanismRegistry.standard

    @Test func rfc8032SignaturesMatch() throws {
        let records = try AsymmetricVectors.records("rfc8032-ed25519.txt")
        #expect(records.count == 3)
        for record in records {
            let key = try Ed25519PrivateKey(seed: AsymmetricVectors.hex(record["secret"], "secret"))
            #expect(Hex.encode((key.publicKey as? Ed25519PublicKey)?.rawRepresentation ?? []) == record["public"])
            let signature = try registry.signature(.eddsa).sign(AsymmetricVectors.hex(record["message"], "message"), key: .privateKey(key), parameters: .none)
            #expect(Hex.encode(signature) == record["signature"])
        }
    }

    /// RFC 8032 section 7.4 through OpenSSL: each secret gives the public key and the signature; the
    /// record with a context (Ed448ctx) verifies as no pure Ed448 signature, so a ctx signature is never
    /// taken for a pure one.
    @Test func rfc8032Ed448SignaturesMatch() throws {
        let records = try AsymmetricVectors.records("rfc8032-ed448.txt")
        #expect(records.count == 9)
        var pure = 0
        for record in records {
            let key = try Ed448PrivateKey(seed: SecretBytes(AsymmetricVectors.hex(record["SECRET"], "SECRET")))
            let publicKey = try #require(key.publicKey as? Ed448PublicKey)
            #expect(Hex.encode(publicKey.rawRepresentation) == record["PUBLIC"])
            let message = try AsymmetricVectors.hex(record["MESSAGE"] ?? "", "MESSAGE")
            let published = try AsymmetricVectors.hex(record["SIGNATURE"], "SIGNATURE")
            if record["CONTEXT"] != nil {
                #expect(throws: CryptoError.signatureInvalid) {
                    try registry.signature(.eddsa).verify(published, for: message, key: .publicKey(publicKey), parameters: .none)
                }
                continue
            }
            let signature = try registry.signature(.eddsa).sign(message, key: .privateKey(key), parameters: .none)
            #expect(signature == published, "COUNT \(record["COUNT"] ?? "")")
            try registry.signature(.eddsa).verify(published, for: message, key: .publicKey(publicKey), parameters: .none)
            // The stored forms come back as the same key.
            let reparsed = try KeyCodec.privateKey(algorithm: .ed448, serialized: key.serialized())
            #expect(try registry.signature(.eddsa).sign(message, key: .privateKey(reparsed), parameters: .none) == published)
            let spki = try KeyCodec.publicKey(algorithm: .ed448, serialized: publicKey.serialized)
            try registry.signature(.eddsa).verify(published, for: message, key: .publicKey(spki), parameters: .none)
            var changed = published
            changed[10] ^= 1
            #expect(throws: CryptoError.signatureInvalid) {
                try registry.signature(.eddsa).verify(changed, for: message, key: .publicKey(publicKey), parameters: .none)
            }
            pure += 1
        }
        #expect(pure == 8)
        // A generated key signs and verifies; its PKCS#8 is RFC 8410's (OID 1.3.101.113).
        let generated = try registry.keyPairGeneration(.ecEdwardsKeyPairGen).generateKeyPair(.ed448)
        #expect(generated.algorithm == .ed448)
        #expect(generated.serialized().withUnsafeBytes { Array($0) }.contains(0x71))
        let signature = try registry.signature(.eddsa).sign([1, 2, 3], key: .privateKey(generated), parameters: .none)
        try registry.signature(.eddsa).verify(signature, for: [1, 2, 3], key: .publicKey(generated.publicKey), parameters: .none)
        #expect(throws: CofferCrypto.CryptoError.self) { try Ed448PrivateKey(seed: SecretBytes([UInt8](repeating: 1, count: 32))) }
        #expect(throws: CofferCrypto.CryptoError.self) { try Ed448PublicKey(encoded: [UInt8](repeating: 1, count: 56)) }
    }

    @Test func wycheproofEd25519Verify() throws {
        var checked = 0
        for group in try AsymmetricVectors.wycheproofGroups("ed25519_test.json") {
            let key = try Ed25519PublicKey(encoded: AsymmetricVectors.hex(group["publicKeyDer"], "publicKeyDer"))
            for test in group.tests {
                let outcome = Result { () throws(CofferCrypto.CryptoError) in
                    try registry.signature(.eddsa).verify(test.hex("sig"), for: test.hex("msg"), key: .publicKey(key), parameters: .none)
                }
                switch (test.result, outcome) {
                case ("valid", .success): break
                case ("invalid", .failure(let error)):
                    #expect([ReturnCode.signatureInvalid, .signatureLenRange].contains(error.returnCode), "tc \(test.id)")
                default: Issue.record("tc \(test.id) \(test.comment): expected \(test.result), got \(outcome)")
                }
                checked += 1
            }
        }
        #expect(checked == 150)
    }

    @Test func wycheproofX25519() throws {
        var valid = 0
        for test in try KnownAnswerTest.firstGroup("x25519_test.json").tests {
            let key = try X25519PrivateKey(scalar: test.hex("private"))
            let parameters = MechanismParameters.ecdh(kdf: .null, sharedData: [], publicData: try test.hex("public"))
            let outcome = Result { () throws(CofferCrypto.CryptoError) -> [UInt8] in
                try registry.derivation(.ecdh1Derive).derive(baseKey: .privateKey(key), parameters: parameters, outputByteCount: 32)
                    .withUnsafeBytes { Array($0) }
            }
            switch (test.result, outcome) {
            case ("valid", .success(let shared)):
                #expect(shared == (try test.hex("shared")), "tc \(test.id)")
                valid += 1
            // "acceptable" cases include low-order points whose all-zero result RFC 7748 lets us refuse.
            case ("acceptable", .success(let shared)): #expect(shared == (try test.hex("shared")), "tc \(test.id)")
            case ("acceptable", .failure(let error)): #expect(error.returnCode == .mechanismParamInvalid)
            default: Issue.record("tc \(test.id) \(test.comment): expected \(test.result), got \(outcome)")
            }
        }
        #expect(valid == 265)
    }

    @Test func generatedKeysSignDeriveAndRoundTrip() throws {
        let ed = try registry.keyPairGeneration(.ecEdwardsKeyPairGen).generateKeyPair(.ed25519)
        #expect(ed.algorithm == .ed25519)
        let signature = try registry.signature(.eddsa).sign([1], key: .privateKey(ed), parameters: .none)
        try registry.signature(.eddsa).verify(signature, for: [1], key: .publicKey(ed.publicKey), parameters: .none)
        // CK_EDDSA_PARAMS with no prehash and an empty context is Ed25519ctx's domain (RFC 8032 5.1),
        // where a pure signature must not verify.
        try expectCode(.mechanismParamInvalid) {
            try registry.signature(.eddsa).verify(signature, for: [1], key: .publicKey(ed.publicKey), parameters: .eddsa(prehash: false, context: []))
        }
        let parsed = try KeyCodec.privateKey(algorithm: .ed25519, serialized: ed.serialized())
        #expect(parsed.publicKey.serialized == ed.publicKey.serialized)
        #expect(try KeyCodec.publicKey(algorithm: .ed25519, serialized: ed.publicKey.serialized).serialized == ed.publicKey.serialized)

        let a = try registry.keyPairGeneration(.ecMontgomeryKeyPairGen).generateKeyPair(.x25519)
        let b = try registry.keyPairGeneration(.ecMontgomeryKeyPairGen).generateKeyPair(.x25519)
        let aPublic = try #require(a.publicKey as? X25519PublicKey).rawRepresentation
        let bPublic = try #require(b.publicKey as? X25519PublicKey).rawRepresentation
        let ab = try registry.derivation(.ecdh1Derive).derive(baseKey: .privateKey(a), parameters: .ecdh(kdf: .null, sharedData: [], publicData: bPublic), outputByteCount: 32)
        let ba = try registry.derivation(.ecdh1Derive).derive(baseKey: .privateKey(b), parameters: .ecdh(kdf: .null, sharedData: [], publicData: aPublic), outputByteCount: 32)
        #expect(ab == ba)
        let parsedX = try KeyCodec.privateKey(algorithm: .x25519, serialized: a.serialized())
        #expect(parsedX.publicKey.serialized == a.publicKey.serialized)
        #expect(try KeyCodec.publicKey(algorithm: .x25519, serialized: a.publicKey.serialized).serialized == a.publicKey.serialized)
    }

    @Test func errorsCarryTheRightReturnCodes() throws {
        let key = Ed25519PrivateKey()
        let eddsa = try registry.signature(.eddsa)
        let signature = try eddsa.sign([1], key: .privateKey(key), parameters: .none)
        try expectCode(.signatureInvalid) { try eddsa.verify(signature, for: [2], key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.signatureLenRange) { try eddsa.verify(signature + [0], for: [1], key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.mechanismParamInvalid) { _ = try eddsa.sign([1], key: .privateKey(key), parameters: .eddsa(prehash: true, context: [])) }
        try expectCode(.mechanismParamInvalid) { _ = try eddsa.sign([1], key: .privateKey(key), parameters: .eddsa(prehash: false, context: [1])) }
        try expectCode(.mechanismParamInvalid) { _ = try eddsa.sign([1], key: .privateKey(key), parameters: .eddsa(prehash: false, context: [])) }
        try expectCode(.keyTypeInconsistent) { _ = try eddsa.sign([1], key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.keyTypeInconsistent) { _ = try eddsa.sign([1], key: .privateKey(X25519PrivateKey()), parameters: .none) }
        try expectCode(.keyTypeInconsistent) { _ = try registry.keyPairGeneration(.ecEdwardsKeyPairGen).generateKeyPair(.x25519) }
        try expectCode(.keyTypeInconsistent) { _ = try registry.keyPairGeneration(.ecMontgomeryKeyPairGen).generateKeyPair(.ed25519) }
        try expectCode(.mechanismParamInvalid) {
            _ = try registry.derivation(.ecdh1Derive).derive(
                baseKey: .privateKey(X25519PrivateKey()), parameters: .ecdh(kdf: .null, sharedData: [], publicData: [1, 2]), outputByteCount: 32)
        }
        try expectCode(.keyTypeInconsistent) {
            _ = try registry.derivation(.ecdh1Derive).derive(
                baseKey: .privateKey(key), parameters: .ecdh(kdf: .null, sharedData: [], publicData: [UInt8](repeating: 9, count: 32)), outputByteCount: 32)
        }
    }
}
