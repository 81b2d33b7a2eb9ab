import Crypto
import Testing

@testable import CofferCrypto

@Suite struct ECTests {
    let registry = MechanismRegistry.standard

    @Test(arguments: [
        ("ecdsa_secp256r1_sha256_p1363_test.json", ECCurve.p256, MechanismType.ecdsaSHA256),
        ("ecdsa_secp384r1_sha384_p1363_test.json", .p384, .ecdsaSHA384),
        ("ecdsa_secp521r1_sha512_p1363_test.json", .p521, .ecdsaSHA512),
    ])
    func wycheproofECDSAVerify(file: String, curve: ECCurve, mechanism: MechanismType) throws {
        var checked = 0
        for group in try AsymmetricVectors.wycheproofGroups(file) {
            let key = try ECPublicKey(curve: curve, encoded: AsymmetricVectors.hex(group["publicKeyDer"], "publicKeyDer"))
            for test in group.tests {
                let outcome = Result { () throws(CofferCrypto.CryptoError) in
                    try registry.signature(mechanism).verify(test.hex("sig"), for: test.hex("msg"), key: .publicKey(key), parameters: .none)
                }
                switch (test.result, outcome) {
                case ("valid", .success), ("acceptable", _): break
                case ("invalid", .failure(let error)):
                    #expect([ReturnCode.signatureInvalid, .signatureLenRange].contains(error.returnCode), "tc \(test.id)")
                default: Issue.record("\(file) tc \(test.id) \(test.comment): expected \(test.result), got \(outcome)")
                }
                checked += 1
            }
        }
        #expect(checked > 200)
    }

    @Test func wycheproofECDHWithUncompressedPoints() throws {
        let group = try KnownAnswerTest.firstGroup("ecdh_secp256r1_ecpoint_test.json")
        for test in group.tests {
            let key = try ECPrivateKey(curve: .p256, scalar: KnownAnswerTest.fixedWidth(test.hex("private"), 32))
            let parameters = MechanismParameters.ecdh(kdf: .null, sharedData: [], publicData: try test.hex("public"))
            let outcome = Result { () throws(CofferCrypto.CryptoError) -> [UInt8] in
                try registry.derivation(.ecdh1Derive).derive(baseKey: .privateKey(key), parameters: parameters, outputByteCount: 32)
                    .withUnsafeBytes { Array($0) }
            }
            switch (test.result, outcome) {
            case ("valid", .success(let shared)): #expect(shared == (try test.hex("shared")), "tc \(test.id)")
            case ("acceptable", _), ("invalid", .failure): break
            default: Issue.record("tc \(test.id) \(test.comment): expected \(test.result), got \(outcome)")
            }
        }
    }

    @Test(arguments: ECCurve.allCases)
    func generatedKeysSignDeriveAndRoundTrip(curve: ECCurve) throws {
        let key = try #require(try registry.keyPairGeneration(.ecKeyPairGen).generateKeyPair(.ec(curve)) as? ECPrivateKey)
        #expect(key.keySizeInBits == curve.fieldBits)
        #expect(key.ecPublic.uncompressedPoint.count == 1 + 2 * curve.coordinateByteCount)
        for mechanism in [MechanismType.ecdsaSHA256, .ecdsaSHA384, .ecdsaSHA512] {
            let signature = try registry.signature(mechanism).sign([1, 2], key: .privateKey(key), parameters: .none)
            #expect(signature.count == 2 * curve.coordinateByteCount)
            try registry.signature(mechanism).verify(signature, for: [1, 2], key: .publicKey(key.publicKey), parameters: .none)
        }
        // CKM_ECDSA over a hash agrees with the hash-and-sign mechanism, for short and over-long hashes.
        let hash = Array(SHA512.hash(data: [7]))
        let viaHash = try registry.signature(.ecdsaSHA512).sign([7], key: .privateKey(key), parameters: .none)
        try registry.signature(.ecdsa).verify(viaHash, for: hash, key: .publicKey(key.publicKey), parameters: .none)
        let long = hash + hash
        let signature = try registry.signature(.ecdsa).sign(long, key: .privateKey(key), parameters: .none)
        try registry.signature(.ecdsa).verify(signature, for: long, key: .publicKey(key.publicKey), parameters: .none)

        let peer = try ECPrivateKey(generatingOn: curve)
        let ours = try derive(key, peerPoint: peer.ecPublic.uncompressedPoint, count: curve.coordinateByteCount)
        let theirs = try derive(peer, peerPoint: key.ecPublic.uncompressedPoint, count: curve.coordinateByteCount)
        #expect(ours == theirs)
        // The DER OCTET STRING form and SubjectPublicKeyInfo give the same secret; truncation is a prefix.
        let point = peer.ecPublic.uncompressedPoint
        let octetString = (point.count < 128 ? [0x04, UInt8(point.count)] : [0x04, 0x81, UInt8(point.count)]) + point
        #expect(try derive(key, peerPoint: octetString, count: curve.coordinateByteCount) == ours)
        #expect(try derive(key, peerPoint: peer.publicKey.serialized, count: curve.coordinateByteCount) == ours)
        #expect(try derive(key, peerPoint: point, count: 16) == Array(ours.prefix(16)))

        let parsed = try #require(try KeyCodec.privateKey(algorithm: .ec(curve), serialized: key.serialized()) as? ECPrivateKey)
        #expect(parsed.publicKey.serialized == key.publicKey.serialized)
        try registry.signature(.ecdsaSHA256).verify(
            registry.signature(.ecdsaSHA256).sign([3], key: .privateKey(parsed), parameters: .none), for: [3], key: .publicKey(key.publicKey), parameters: .none)
        let parsedPublic = try KeyCodec.publicKey(algorithm: .ec(curve), serialized: key.publicKey.serialized)
        #expect(parsedPublic.serialized == key.publicKey.serialized)
    }

    @Test func errorsCarryTheRightReturnCodes() throws {
        let key = try ECPrivateKey(generatingOn: .p256)
        let other = try ECPrivateKey(generatingOn: .p384)
        let ecdsa = try registry.signature(.ecdsaSHA256)
        let signature = try ecdsa.sign([1], key: .privateKey(key), parameters: .none)
        try expectCode(.signatureInvalid) { try ecdsa.verify(signature, for: [2], key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.signatureLenRange) { try ecdsa.verify(signature.dropLast(), for: [1], key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.signatureLenRange) { try ecdsa.verify(signature, for: [1], key: .publicKey(other.publicKey), parameters: .none) }
        try expectCode(.signatureInvalid) {
            try ecdsa.verify([UInt8](repeating: 0, count: 64), for: [1], key: .publicKey(key.publicKey), parameters: .none)
        }
        try expectCode(.keyTypeInconsistent) { _ = try ecdsa.sign([1], key: .publicKey(key.publicKey), parameters: .none) }
        try expectCode(.keyTypeInconsistent) { _ = try ecdsa.sign([1], key: .privateKey(Ed25519PrivateKey()), parameters: .none) }
        try expectCode(.mechanismParamInvalid) { _ = try ecdsa.sign([1], key: .privateKey(key), parameters: .iv([])) }
        try expectCode(.dataLenRange) { _ = try registry.signature(.ecdsa).sign([], key: .privateKey(key), parameters: .none) }

        let derive = try registry.derivation(.ecdh1Derive)
        let point = other.ecPublic.uncompressedPoint
        try expectCode(.mechanismParamInvalid) {
            _ = try derive.derive(baseKey: .privateKey(key), parameters: .ecdh(kdf: .null, sharedData: [], publicData: point), outputByteCount: 32)
        }
        let ownPoint = key.ecPublic.uncompressedPoint
        try expectCode(.mechanismParamInvalid) {
            _ = try derive.derive(baseKey: .privateKey(key), parameters: .ecdh(kdf: .sha256, sharedData: [], publicData: ownPoint), outputByteCount: 32)
        }
        try expectCode(.mechanismParamInvalid) {
            _ = try derive.derive(baseKey: .privateKey(key), parameters: .ecdh(kdf: .null, sharedData: [1], publicData: ownPoint), outputByteCount: 32)
        }
        try expectCode(.keySizeRange) {
            _ = try derive.derive(baseKey: .privateKey(key), parameters: .ecdh(kdf: .null, sharedData: [], publicData: ownPoint), outputByteCount: 33)
        }
        try expectCode(.keyTypeInconsistent) {
            _ = try derive.derive(baseKey: .publicKey(key.publicKey), parameters: .ecdh(kdf: .null, sharedData: [], publicData: ownPoint), outputByteCount: 32)
        }
        try expectCode(.keyTypeInconsistent) { _ = try registry.keyPairGeneration(.ecKeyPairGen).generateKeyPair(.ed25519) }
        try expectCode(.attributeValueInvalid) { _ = try ECPublicKey(curve: .p256, encoded: [0x04] + [UInt8](repeating: 1, count: 64)) }
    }

    private func derive(_ key: ECPrivateKey, peerPoint: [UInt8], count: Int) throws -> [UInt8] {
        try registry.derivation(.ecdh1Derive)
            .derive(baseKey: .privateKey(key), parameters: .ecdh(kdf: .null, sharedData: [], publicData: peerPoint), outputByteCount: count)
            .withUnsafeBytes { Array($0) }
    }
}
