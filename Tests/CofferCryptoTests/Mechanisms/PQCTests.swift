import Crypto
import Testing

@testable import CofferCrypto

@Suite struct PQCTests {
    let registry = MechanismRegistry.standard

    @Test(arguments: [
        (MLDSAParameterSet.mlDSA65, "mldsa_65_verify_test.json"),
        (.mlDSA87, "mldsa_87_verify_test.json"),
    ])
    func wycheproofMLDSAVerify(set: MLDSAParameterSet, file: String) throws {
        var checked = 0
        for group in try AsymmetricVectors.wycheproofGroups(file) {
            let keyResult = Result { () throws(CofferCrypto.CryptoError) in
                try MLDSAPublicKey(parameterSet: set, encoded: AsymmetricVectors.hex(group["publicKey"], "publicKey"))
            }
            for test in group.tests {
                let context = test["ctx"].flatMap { Hex.decode($0) } ?? []
                let outcome = keyResult.flatMap { key in
                    Result { () throws(CofferCrypto.CryptoError) in
                        try registry.signature(.mlDSA).verify(test.hex("sig"), for: test.hex("msg"), key: .publicKey(key), parameters: .signatureContext(context))
                    }
                }
                switch (test.result, outcome) {
                case ("valid", .success): break
                case ("invalid", .failure(let error)):
                    #expect(
                        [ReturnCode.signatureInvalid, .signatureLenRange, .attributeValueInvalid, .mechanismParamInvalid].contains(error.returnCode),
                        "tc \(test.id)")
                default: Issue.record("\(file) tc \(test.id) \(test.comment): expected \(test.result), got \(outcome)")
                }
                checked += 1
            }
        }
        #expect(checked > 70)
    }

    @Test(arguments: [
        (MLDSAParameterSet.mlDSA65, "kat_MLDSA_65_det_pure-subset.rsp"),
        (.mlDSA87, "kat_MLDSA_87_det_pure-subset.rsp"),
    ])
    func nistMLDSAKeyGenerationAndVerify(set: MLDSAParameterSet, file: String) throws {
        let records = try AsymmetricVectors.records(file)
        #expect(records.count == 3)
        for record in records {
            var seed = try AsymmetricVectors.hex(record["xi"], "xi")
            let key = try MLDSAPrivateKey(parameterSet: set, seed: SecretBytes(consuming: &seed))
            #expect(Hex.encode(key.publicKey.serialized) == record["pk"])
            let (message, signature) = try KnownAnswerTest.mldsaSignature(record)
            let context = try AsymmetricVectors.hex(record["ctx"], "ctx")
            try registry.signature(.mlDSA).verify(signature, for: message, key: .publicKey(key.publicKey), parameters: .signatureContext(context))
            try expectCode(.signatureInvalid) {
                try registry.signature(.mlDSA).verify(signature, for: message + [0], key: .publicKey(key.publicKey), parameters: .signatureContext(context))
            }
        }
    }

    @Test(arguments: MLDSAParameterSet.allCases)
    func generatedMLDSAKeysSignAndRoundTrip(set: MLDSAParameterSet) throws {
        let key = try registry.keyPairGeneration(.mlDSAKeyPairGen).generateKeyPair(.mlDSA(set))
        #expect(key.algorithm == .mlDSA(set))
        #expect(key.serialized().count == 32)
        for parameters in [MechanismParameters.none, .signatureContext([1, 2, 3])] {
            let signature = try registry.signature(.mlDSA).sign([9], key: .privateKey(key), parameters: parameters)
            try registry.signature(.mlDSA).verify(signature, for: [9], key: .publicKey(key.publicKey), parameters: parameters)
        }
        let signature = try registry.signature(.mlDSA).sign([9], key: .privateKey(key), parameters: .signatureContext([1]))
        try expectCode(.signatureInvalid) { try registry.signature(.mlDSA).verify(signature, for: [9], key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.signatureLenRange) { try registry.signature(.mlDSA).verify(signature.dropLast(), for: [9], key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.mechanismParamInvalid) {
            _ = try registry.signature(.mlDSA).sign([9], key: .privateKey(key), parameters: .signatureContext([UInt8](repeating: 0, count: 256)))
        }
        try expectCode(.keyTypeInconsistent) { _ = try registry.signature(.mlDSA).sign([9], key: .publicKey(key.publicKey), parameters: .none) }

        let parsed = try KeyCodec.privateKey(algorithm: .mlDSA(set), serialized: key.serialized())
        #expect(parsed.publicKey.serialized == key.publicKey.serialized)
        #expect(try KeyCodec.publicKey(algorithm: .mlDSA(set), serialized: key.publicKey.serialized).serialized == key.publicKey.serialized)
    }

    @Test(arguments: [
        (MLKEMParameterSet.mlKEM768, "kat_MLKEM_768-subset.rsp"),
        (.mlKEM1024, "kat_MLKEM_1024-subset.rsp"),
    ])
    func nistMLKEMDecapsulation(set: MLKEMParameterSet, file: String) throws {
        let records = try AsymmetricVectors.records(file)
        #expect(records.count == 3)
        for record in records {
            let key = try KnownAnswerTest.mlkemKey(set, record)
            #expect(Hex.encode(key.publicKey.serialized) == record["pk"])
            let shared = try registry.encapsulation(.mlKEM).decapsulate(AsymmetricVectors.hex(record["ct"], "ct"), privateKey: .privateKey(key))
            #expect(Hex.encode(shared.withUnsafeBytes { Array($0) }) == record["ss"])
        }
    }

    @Test(arguments: MLKEMParameterSet.allCases)
    func generatedMLKEMKeysEncapsulateAndRoundTrip(set: MLKEMParameterSet) throws {
        let key = try registry.keyPairGeneration(.mlKEMKeyPairGen).generateKeyPair(.mlKEM(set))
        #expect(key.serialized().count == 64)
        let kem = try registry.encapsulation(.mlKEM)
        let (ciphertext, shared) = try kem.encapsulate(publicKey: .publicKey(key.publicKey))
        #expect(try kem.decapsulate(ciphertext, privateKey: .privateKey(key)) == shared)
        // FIPS 203 implicit rejection: a changed ciphertext gives a different, pseudorandom secret.
        var tampered = ciphertext
        tampered[0] ^= 1
        #expect(try kem.decapsulate(tampered, privateKey: .privateKey(key)) != shared)
        try expectCode(.encryptedDataLenRange) { _ = try kem.decapsulate(ciphertext.dropLast(), privateKey: .privateKey(key)) }
        try expectCode(.keyTypeInconsistent) { _ = try kem.decapsulate(ciphertext, privateKey: .publicKey(key.publicKey)) }
        try expectCode(.keyTypeInconsistent) { _ = try kem.encapsulate(publicKey: .publicKey(Ed25519PrivateKey().publicKey)) }

        let parsed = try KeyCodec.privateKey(algorithm: .mlKEM(set), serialized: key.serialized())
        #expect(parsed.publicKey.serialized == key.publicKey.serialized)
        #expect(try kem.decapsulate(ciphertext, privateKey: .privateKey(parsed)) == shared)
        #expect(try KeyCodec.publicKey(algorithm: .mlKEM(set), serialized: key.publicKey.serialized).serialized == key.publicKey.serialized)
        try expectCode(.attributeValueInvalid) { _ = try KeyCodec.privateKey(algorithm: .mlKEM(set), serialized: SecretBytes([1, 2, 3])) }
    }
}
