import Testing

@testable import CofferCrypto

@Suite struct AsymmetricSelfTestTests {
    @Test func everyAsymmetricSelfTestPasses() throws {
        #expect(KnownAnswerTest.asymmetric.count == 9)
        for test in KnownAnswerTest.asymmetric {
            #expect(throws: Never.self, "\(test.name)") { try test.run(.standard) }
        }
    }

    @Test func selfTestsFailAgainstABrokenMechanism() {
        // A registry whose Ed25519 signer returns the wrong bytes must not pass the RFC 8032 KAT.
        struct BrokenEdDSA: SignatureMechanism {
            var type: MechanismType { .eddsa }
            var info: MechanismInfo { EdDSASignature().info }
            func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
                var signature = try EdDSASignature().sign(data, key: key, parameters: parameters)
                signature[0] ^= 1
                return signature
            }
            func verify(_ signature: [UInt8], for data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) {}
        }
        let registry = MechanismRegistry([BrokenEdDSA()])
        let test = KnownAnswerTest.asymmetric.first { $0.name.hasPrefix("Ed25519") }
        #expect(test != nil)
        #expect(throws: (any Error).self) { try test?.run(registry) }
    }

    @Test func mechanismInfoIsHonest() throws {
        let registry = MechanismRegistry.standard
        #expect(try registry.mechanism(.rsaPKCSKeyPairGen).info == MechanismInfo(minKeySize: 2048, maxKeySize: 4096, flags: [.generateKeyPair]))
        #expect(try registry.mechanism(.ecdsa).info.flags == [.sign, .verify, .ecFp, .ecNamedCurve, .ecUncompress])
        #expect(try registry.mechanism(.ecdh1Derive).info.flags.contains(.derive))
        #expect(try registry.mechanism(.mlKEM).info.flags == [.encapsulate, .decapsulate])
        #expect(try registry.mechanism(.rsaPKCSOAEP).info.flags.isSuperset(of: [.encrypt, .decrypt, .wrap, .unwrap]))
    }
}
