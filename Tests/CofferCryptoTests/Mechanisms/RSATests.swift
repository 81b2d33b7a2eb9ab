import Crypto
import Testing
import _CryptoExtras

@testable import CofferCrypto

@Suite struct RSATests {
    let registry = MechanismRegistry.standard

    // MARK: Published vectors

    @Test func cavpSigGen15SignaturesMatch() throws {
        let records = try AsymmetricVectors.sigGenRecords("SigGen15_186-2-subset.txt")
        #expect(records.count == 60)
        for record in records {
            let key = try KnownAnswerTest.rsaKey(record)
            let mechanism: MechanismType = switch record["SHAAlg"] {
            case "SHA256": .sha256RSAPKCS
            case "SHA384": .sha384RSAPKCS
            default: .sha512RSAPKCS
            }
            let message = try AsymmetricVectors.hex(record["Msg"], "Msg")
            let signature = try registry.signature(mechanism).sign(message, key: .privateKey(key), parameters: .none)
            #expect(Hex.encode(signature) == record["S"]?.lowercased(), "SigGen15 \(record["SHAAlg"] ?? "") n=\(record["n"]?.prefix(16) ?? "")")
        }
    }

    @Test func wycheproofPKCS1Verify() throws {
        var checked = 0
        for group in try AsymmetricVectors.wycheproofGroups("rsa_signature_2048_sha256_test.json") {
            let key = try RSAPublicKey(derRepresentation: AsymmetricVectors.hex(group["keyDer"], "keyDer"))
            for test in group.tests {
                let outcome = Result { () throws(CofferCrypto.CryptoError) in
                    try registry.signature(.sha256RSAPKCS).verify(test.hex("sig"), for: test.hex("msg"), key: .publicKey(key), parameters: .none)
                }
                try expectOutcome(outcome, test)
                checked += 1
            }
        }
        #expect(checked == 240)
    }

    @Test func wycheproofPSSVerify() throws {
        let group = try KnownAnswerTest.firstGroup("rsa_pss_2048_sha256_mgf1_32_test.json")
        let key = try RSAPublicKey(derRepresentation: AsymmetricVectors.hex(group["keyDer"], "keyDer"))
        let parameters = MechanismParameters.pss(hash: .sha256, mgf: .sha256, saltLength: 32)
        for test in group.tests {
            let outcome = Result { () throws(CofferCrypto.CryptoError) in
                try registry.signature(.sha256RSAPKCSPSS).verify(test.hex("sig"), for: test.hex("msg"), key: .publicKey(key), parameters: parameters)
            }
            try expectOutcome(outcome, test)
            // The raw mechanism gets the same answer from the precomputed hash.
            let rawOutcome = Result { () throws(CofferCrypto.CryptoError) in
                try registry.signature(.rsaPKCSPSS).verify(
                    test.hex("sig"), for: Array(SHA256.hash(data: test.hex("msg"))), key: .publicKey(key), parameters: parameters)
            }
            try expectOutcome(rawOutcome, test)
        }
    }

    @Test(arguments: [
        ("rsa_oaep_2048_sha1_mgf1sha1_test.json", MechanismType.sha1, MGF.sha1),
        ("rsa_oaep_2048_sha256_mgf1sha256_test.json", .sha256, .sha256),
    ])
    func wycheproofOAEPDecrypt(file: String, hash: MechanismType, mgf: MGF) throws {
        let group = try KnownAnswerTest.firstGroup(file)
        var der = try AsymmetricVectors.hex(group["privateKeyPkcs8"], "privateKeyPkcs8")
        let key = try RSAPrivateKey(derRepresentation: SecretBytes(consuming: &der))
        for test in group.tests {
            let parameters = MechanismParameters.oaep(hash: hash, mgf: mgf, label: try test.hex("label"))
            let outcome = Result { () throws(CofferCrypto.CryptoError) -> [UInt8] in
                try registry.cipher(.rsaPKCSOAEP).decrypt(test.hex("ct"), key: .privateKey(key), parameters: parameters)
            }
            switch (test.result, outcome) {
            case ("valid", .success(let plaintext)): #expect(plaintext == (try test.hex("msg")), "tc \(test.id)")
            case ("invalid", .failure(let error)):
                #expect([ReturnCode.encryptedDataInvalid, .encryptedDataLenRange].contains(error.returnCode), "tc \(test.id)")
            default: Issue.record("tc \(test.id) \(test.comment): expected \(test.result), got \(outcome)")
            }
        }
    }

    // MARK: Key generation and round trips

    @Test(arguments: [2048, 3072, 4096])
    func generatedKeysSignVerifyAndRoundTrip(bits: Int) throws {
        let key = try (bits == 2048 ? GeneratedKeys.rsa2048 : bits == 3072 ? GeneratedKeys.rsa3072 : GeneratedKeys.rsa4096).get()
        #expect(key.keySizeInBits == bits)
        #expect(try key.rsaPublic.publicNumbers().publicExponent == [1, 0, 1])
        for (mechanism, parameters) in [
            (MechanismType.sha256RSAPKCS, MechanismParameters.none), (.sha384RSAPKCS, .none), (.sha512RSAPKCS, .none),
            (.sha256RSAPKCSPSS, .pss(hash: .sha256, mgf: .sha256, saltLength: 32)),
            (.sha384RSAPKCSPSS, .pss(hash: .sha384, mgf: .sha384, saltLength: 48)),
            (.sha512RSAPKCSPSS, .pss(hash: .sha512, mgf: .sha512, saltLength: 64)),
        ] {
            let signature = try registry.signature(mechanism).sign([1, 2, 3], key: .privateKey(key), parameters: parameters)
            #expect(signature.count == bits / 8)
            try registry.signature(mechanism).verify(signature, for: [1, 2, 3], key: .publicKey(key.publicKey), parameters: parameters)
            #expect(throws: CofferCrypto.CryptoError.signatureInvalid) {
                try registry.signature(mechanism).verify(signature, for: [1, 2, 4], key: .publicKey(key.publicKey), parameters: parameters)
            }
        }
        let oaep = MechanismParameters.oaep(hash: .sha256, mgf: .sha256, label: [9, 9])
        let ciphertext = try registry.cipher(.rsaPKCSOAEP).encrypt([5, 6, 7], key: .publicKey(key.publicKey), parameters: oaep)
        #expect(try registry.cipher(.rsaPKCSOAEP).decrypt(ciphertext, key: .privateKey(key), parameters: oaep) == [5, 6, 7])

        let parsedPrivate = try KeyCodec.privateKey(algorithm: .rsa, serialized: key.serialized())
        #expect(parsedPrivate.publicKey.serialized == key.publicKey.serialized)
        let parsedPublic = try KeyCodec.publicKey(algorithm: .rsa, serialized: key.publicKey.serialized)
        #expect(parsedPublic.serialized == key.publicKey.serialized)
        #expect(parsedPublic.keySizeInBits == bits)
    }

    @Test func otherSizesAndExponents() throws {
        let key = try RSAKeyPairGeneration().generateKeyPair(.rsa(bits: 2560, publicExponent: [0, 0, 3]))
        #expect(key.keySizeInBits == 2560)
        #expect(try (key as? RSAPrivateKey)?.rsaPublic.publicNumbers().publicExponent == [3])
    }

    @Test func keyGenerationRejectsBadSizesAndExponents() {
        for bits in [1024, 2047, 2050, 4104, 8192] {
            #expect(throws: CofferCrypto.CryptoError.self) { try RSAKeyPairGeneration().generateKeyPair(.rsa(bits: bits, publicExponent: [])) }
            let error = #expect(throws: CofferCrypto.CryptoError.self) { try RSAKeyPairGeneration().generateKeyPair(.rsa(bits: bits, publicExponent: [])) }
            #expect(error?.returnCode == .keySizeRange)
        }
        for exponent: [UInt8] in [[1], [2], [0x01, 0x00, 0x00], [1, 2, 3, 4, 5, 6, 7, 8, 9]] {
            let error = #expect(throws: CofferCrypto.CryptoError.self) { try RSAKeyPairGeneration().generateKeyPair(.rsa(bits: 2048, publicExponent: exponent)) }
            #expect(error?.returnCode == .attributeValueInvalid)
        }
        let error = #expect(throws: CofferCrypto.CryptoError.self) { try RSAKeyPairGeneration().generateKeyPair(.ec(.p256)) }
        #expect(error?.returnCode == .keyTypeInconsistent)
    }

    // MARK: Raw forms and the independent cross-check

    @Test func rawPKCS1MatchesHashAndSignAndSwiftCrypto() throws {
        let key = try GeneratedKeys.rsa2048.get()
        let message: [UInt8] = Array("raw DigestInfo".utf8)
        // RFC 8017 section 9.2 note 1: DigestInfo prefix for SHA-256.
        let prefix = Hex.decode("3031300d060960864801650304020105000420") ?? []
        let digestInfo = prefix + Array(SHA256.hash(data: message))
        let raw = try registry.signature(.rsaPKCS).sign(digestInfo, key: .privateKey(key), parameters: .none)
        let hashed = try registry.signature(.sha256RSAPKCS).sign(message, key: .privateKey(key), parameters: .none)
        #expect(raw == hashed)
        try registry.signature(.rsaPKCS).verify(raw, for: digestInfo, key: .publicKey(key.publicKey), parameters: .none)

        let independent = try _RSA.Signing.PublicKey(derRepresentation: key.publicKey.serialized)
        #expect(independent.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: raw), for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5))
        let pss = try registry.signature(.sha256RSAPKCSPSS).sign(message, key: .privateKey(key), parameters: .pss(hash: .sha256, mgf: .sha256, saltLength: 32))
        #expect(independent.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: pss), for: SHA256.hash(data: message), padding: .PSS))
        let theirs = try _RSA.Signing.PrivateKey(derRepresentation: key.serialized().unsafeCopy)
            .signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
        #expect(Array(theirs.rawRepresentation) == hashed)
        let theirPSS = try _RSA.Signing.PrivateKey(derRepresentation: key.serialized().unsafeCopy).signature(for: SHA256.hash(data: message), padding: .PSS)
        try registry.signature(.sha256RSAPKCSPSS).verify(
            Array(theirPSS.rawRepresentation), for: message, key: .publicKey(key.publicKey), parameters: .pss(hash: .sha256, mgf: .sha256, saltLength: 32))

        // Any data up to k-11 bytes, type-1 padded.
        let longest = [UInt8](repeating: 0xAB, count: 256 - 11)
        let signature = try registry.signature(.rsaPKCS).sign(longest, key: .privateKey(key), parameters: .none)
        try registry.signature(.rsaPKCS).verify(signature, for: longest, key: .publicKey(key.publicKey), parameters: .none)
    }

    // MARK: Negative cases

    @Test func errorsCarryTheRightReturnCodes() throws {
        let key = try GeneratedKeys.rsa2048.get()
        let publicKey = KeyMaterial.publicKey(key.publicKey)
        let pss = MechanismParameters.pss(hash: .sha256, mgf: .sha256, saltLength: 32)
        let pkcs = try registry.signature(.sha256RSAPKCS)
        let signature = try pkcs.sign([1], key: .privateKey(key), parameters: .none)

        try expectCode(.keyTypeInconsistent) { _ = try pkcs.sign([1], key: publicKey, parameters: .none) }
        try expectCode(.keyTypeInconsistent) { _ = try pkcs.sign([1], key: .privateKey(Ed25519PrivateKey()), parameters: .none) }
        try expectCode(.keyTypeInconsistent) { _ = try pkcs.sign([1], key: .secret(SymmetricKey(size: .bits256)), parameters: .none) }
        try expectCode(.signatureInvalid) { try pkcs.verify(signature, for: [2], key: publicKey, parameters: .none) }
        try expectCode(.signatureLenRange) { try pkcs.verify(signature.dropLast(), for: [1], key: publicKey, parameters: .none) }
        try expectCode(.signatureLenRange) { try pkcs.verify(signature + [0], for: [1], key: publicKey, parameters: .none) }
        try expectCode(.mechanismParamInvalid) { _ = try pkcs.sign([1], key: .privateKey(key), parameters: pss) }
        try expectCode(.dataLenRange) {
            _ = try registry.signature(.rsaPKCS).sign([UInt8](repeating: 1, count: 246), key: .privateKey(key), parameters: .none)
        }
        try expectCode(.dataLenRange) { _ = try registry.signature(.rsaPKCSPSS).sign([UInt8](repeating: 1, count: 31), key: .privateKey(key), parameters: pss) }
        try expectCode(.mechanismParamInvalid) { _ = try registry.signature(.rsaPKCSPSS).sign([1], key: .privateKey(key), parameters: .none) }
        try expectCode(.mechanismParamInvalid) {
            _ = try registry.signature(.sha256RSAPKCSPSS).sign([1], key: .privateKey(key), parameters: .pss(hash: .sha512, mgf: .sha512, saltLength: 32))
        }
        try expectCode(.mechanismParamInvalid) {
            _ = try registry.signature(.sha256RSAPKCSPSS).sign([1], key: .privateKey(key), parameters: .pss(hash: .sha256, mgf: .sha256, saltLength: 223))
        }

        let oaep = MechanismParameters.oaep(hash: .sha256, mgf: .sha256, label: [])
        let cipher = try registry.cipher(.rsaPKCSOAEP)
        let ciphertext = try cipher.encrypt([1, 2], key: publicKey, parameters: oaep)
        var tampered = ciphertext
        tampered[10] ^= 1
        try expectCode(.encryptedDataInvalid) { _ = try cipher.decrypt(tampered, key: .privateKey(key), parameters: oaep) }
        try expectCode(.encryptedDataInvalid) {
            _ = try cipher.decrypt(ciphertext, key: .privateKey(key), parameters: .oaep(hash: .sha256, mgf: .sha256, label: [1]))
        }
        try expectCode(.encryptedDataLenRange) { _ = try cipher.decrypt(ciphertext.dropLast(), key: .privateKey(key), parameters: oaep) }
        try expectCode(.keyTypeInconsistent) { _ = try cipher.decrypt(ciphertext, key: publicKey, parameters: oaep) }
        try expectCode(.dataLenRange) { _ = try cipher.encrypt([UInt8](repeating: 0, count: 256 - 64 - 1), key: publicKey, parameters: oaep) }
        try expectCode(.mechanismParamInvalid) { _ = try cipher.encrypt([1], key: publicKey, parameters: .none) }

        try expectCode(.attributeValueInvalid) { _ = try RSAPublicKey(derRepresentation: [0x30, 0x03, 0x02, 0x01, 0x01]) }
        try expectCode(.keyTypeInconsistent) { _ = try RSAPublicKey(derRepresentation: ECPrivateKey(generatingOn: .p256).publicKey.serialized) }
    }

    /// CKM_RSA_PKCS as key transport: a round trip; a changed blob or another length gives a
    /// substitute of the length asked for (the same for the same blob), never an error; it encrypts
    /// no data.
    @Test func pkcs1KeyTransportUnwrapsWithImplicitRejection() throws {
        let key = try GeneratedKeys.rsa2048.get()
        let transport = try registry.keyTransport(.rsaPKCS)
        let value = SecretBytes((0..<16).map { UInt8($0 * 7) })
        let blob = try transport.wrap(value, key: .publicKey(key.publicKey), parameters: .none)
        #expect(blob.count == 256)
        #expect(try transport.unwrap(blob, length: 16, key: .privateKey(key), parameters: .none).unsafeCopy == value.unsafeCopy)
        var changed = blob
        changed[40] ^= 4
        let substitute = try transport.unwrap(changed, length: 16, key: .privateKey(key), parameters: .none).unsafeCopy
        #expect(substitute.count == 16 && substitute != value.unsafeCopy)
        #expect(try transport.unwrap(changed, length: 16, key: .privateKey(key), parameters: .none).unsafeCopy == substitute)
        let longer = try transport.unwrap(blob, length: 32, key: .privateKey(key), parameters: .none).unsafeCopy
        #expect(longer.count == 32 && Array(longer.prefix(16)) != value.unsafeCopy)
        try expectCode(.wrappedKeyLenRange) { _ = try transport.unwrap(blob.dropLast(), length: 16, key: .privateKey(key), parameters: .none) }
        try expectCode(.keyTypeInconsistent) { _ = try transport.unwrap(blob, length: 16, key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.keySizeRange) { _ = try transport.wrap(SecretBytes([UInt8](repeating: 1, count: 246)), key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.mechanismInvalid) { _ = try registry.cipher(.rsaPKCS) }
        try expectCode(.mechanismInvalid) { _ = try registry.keyTransport(.sha256RSAPKCS).wrap(value, key: .publicKey(key.publicKey), parameters: .none) }
    }

    @Test func keysBelow2048BitsAreRefusedByEveryMechanism() throws {
        // The backend can make a 1024-bit key; the mechanisms must not use it.
        let small = try RSAPrivateKey(RSABackends.current.generateKey(bits: 1024, publicExponent: [1, 0, 1]))
        let reparsed = try KeyCodec.privateKey(algorithm: .rsa, serialized: small.serialized())
        #expect(reparsed.keySizeInBits == 1024)
        try expectCode(.keySizeRange) { _ = try registry.signature(.sha256RSAPKCS).sign([1], key: .privateKey(small), parameters: .none) }
        try expectCode(.keySizeRange) {
            try registry.signature(.sha256RSAPKCS).verify([UInt8](repeating: 0, count: 128), for: [1], key: .publicKey(small.publicKey), parameters: .none)
        }
        try expectCode(.keySizeRange) {
            _ = try registry.cipher(.rsaPKCSOAEP).encrypt([1], key: .publicKey(small.publicKey), parameters: .oaep(hash: .sha1, mgf: .sha1, label: []))
        }
    }

    @Test func anAdminPolicyAllowsSmallerKeys() throws {
        #expect(RSAKeySize(minimumBits: 512) == nil)
        #expect(RSAKeySize(minimumBits: 1028) == nil)
        #expect(RSAKeySize(minimumBits: 4104) == nil)
        let policy = try #require(RSAKeySize(minimumBits: 1024))
        let lenient = MechanismRegistry.standard(rsa: policy)
        #expect(try lenient.mechanism(.rsaPKCSKeyPairGen).info.minKeySize == 1024)
        #expect(try lenient.mechanism(.sha256RSAPKCSPSS).info.minKeySize == 1024)
        #expect(try registry.mechanism(.rsaPKCSKeyPairGen).info.minKeySize == 2048)
        let small = try lenient.keyPairGeneration(.rsaPKCSKeyPairGen).generateKeyPair(.rsa(bits: 1024, publicExponent: []))
        #expect(small.keySizeInBits == 1024)
        let signature = try lenient.signature(.sha256RSAPKCS).sign([1, 2, 3], key: .privateKey(small), parameters: .none)
        try lenient.signature(.sha256RSAPKCS).verify(signature, for: [1, 2, 3], key: .publicKey(small.publicKey), parameters: .none)
        // The default policy still refuses to make or use it.
        try expectCode(.keySizeRange) {
            _ = try registry.keyPairGeneration(.rsaPKCSKeyPairGen).generateKeyPair(.rsa(bits: 1024, publicExponent: []))
        }
        try expectCode(.keySizeRange) { _ = try registry.signature(.sha256RSAPKCS).sign([1], key: .privateKey(small), parameters: .none) }
        try expectCode(.keySizeRange) {
            _ = try lenient.keyPairGeneration(.rsaPKCSKeyPairGen).generateKeyPair(.rsa(bits: 1016, publicExponent: []))
        }
    }

    private func expectOutcome(_ outcome: Result<Void, CofferCrypto.CryptoError>, _ test: WycheproofTest) throws {
        switch (test.result, outcome) {
        case ("valid", .success), ("acceptable", _): break
        case ("invalid", .failure(let error)):
            #expect([ReturnCode.signatureInvalid, .signatureLenRange].contains(error.returnCode), "tc \(test.id): \(error)")
        default: Issue.record("tc \(test.id) \(test.comment): expected \(test.result), got \(outcome)")
        }
    }
}

/// Expects `body` to throw a `CofferCrypto.CryptoError` with `code`.
func expectCode(_ code: ReturnCode, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) throws {
    do {
        try body()
        Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
    } catch let error as CofferCrypto.CryptoError {
        #expect(error.returnCode == code, "got \(error)", sourceLocation: sourceLocation)
    }
}
