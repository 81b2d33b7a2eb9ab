// C_GenerateKey and C_GenerateKeyPair template checks and the parameters they produce.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct GenerateTemplateTests {
    @Test func aesKeyGeneration() throws {
        let g = try TemplateRules.generateKey(mechanism: .aesKeyGen, template: attrs((.valueLen, .ulong(16))), by: .cryptoUser)
        #expect(g.byteCount == 16)
        #expect(g.keyType == .aes)
        #expect(g.attributes.objectClass == .secretKey)
        #expect(g.attributes.bool(.local) == true)
        #expect(g.attributes.ulong(.keyGenMechanism) == UInt64(MechanismType.aesKeyGen.rawValue))
        #expect(g.attributes.bool(.alwaysSensitive) == true)
        #expect(g.attributes.bool(.neverExtractable) == true)
    }

    @Test func generatedExtractableKeyIsNotNeverExtractable() throws {
        let g = try TemplateRules.generateKey(
            mechanism: .aesKeyGen, template: attrs((.valueLen, .ulong(32)), (.extractable, .bool(true)), (.sensitive, .bool(false))),
            by: .cryptoUser)
        #expect(g.attributes.bool(.neverExtractable) == false)
        #expect(g.attributes.bool(.alwaysSensitive) == false)
    }

    @Test func valueLenRules() {
        expectCode(.templateIncomplete) { _ = try TemplateRules.generateKey(mechanism: .aesKeyGen, template: AttributeSet(), by: .cryptoUser) }
        expectCode(.keySizeRange) { _ = try TemplateRules.generateKey(mechanism: .aesKeyGen, template: attrs((.valueLen, .ulong(17))), by: .cryptoUser) }
        expectCode(.keySizeRange) { _ = try TemplateRules.generateKey(mechanism: .genericSecretKeyGen, template: attrs((.valueLen, .ulong(0))), by: .cryptoUser) }
    }

    @Test func valueInGenerateTemplateIsInconsistent() {
        expectCode(.templateInconsistent) {
            _ = try TemplateRules.generateKey(mechanism: .aesKeyGen, template: attrs((.valueLen, .ulong(16)), (.value, .bytes([1]))), by: .cryptoUser)
        }
    }

    @Test func classAndKeyTypeMustFitMechanism() {
        expectCode(.templateInconsistent) {
            _ = try TemplateRules.generateKey(mechanism: .aesKeyGen, template: attrs((.valueLen, .ulong(16)), (.objectClass, .ulong(3))), by: .cryptoUser)
        }
        expectCode(.templateInconsistent) {
            _ = try TemplateRules.generateKey(
                mechanism: .aesKeyGen, template: attrs((.valueLen, .ulong(16)), (.keyType, .ulong(KeyType.genericSecret.rawValue))), by: .cryptoUser)
        }
        expectCode(.mechanismInvalid) { _ = try TemplateRules.generateKey(mechanism: .aesGCM, template: attrs((.valueLen, .ulong(16))), by: .cryptoUser) }
        expectCode(.mechanismInvalid) { _ = try keyPair(.aesKeyGen, AttributeSet()) }
    }

    @Test func genericSecretMayMakeHMACKeyTypes() throws {
        let g = try TemplateRules.generateKey(
            mechanism: .genericSecretKeyGen, template: attrs((.valueLen, .ulong(32)), (.keyType, .ulong(KeyType.sha256HMAC.rawValue))), by: .cryptoUser)
        #expect(g.keyType == .sha256HMAC)
    }

    @Test func libraryAttributeInGenerateTemplateIsReadOnly() {
        expectCode(.attributeReadOnly) {
            _ = try TemplateRules.generateKey(mechanism: .aesKeyGen, template: attrs((.valueLen, .ulong(16)), (.local, .bool(true))), by: .cryptoUser)
        }
        expectCode(.attributeReadOnly) {
            _ = try keyPair(.ecKeyPairGen, attrs((.ecParams, .bytes(p256Params))), attrs((.alwaysSensitive, .bool(true))))
        }
    }

    @Test func rsaPair() throws {
        let g = try keyPair(.rsaPKCSKeyPairGen, attrs((.modulusBits, .ulong(3072)), (.publicExponent, .bytes([0, 1, 0, 1]))))
        #expect(g.parameters == .rsa(bits: 3072, publicExponent: [1, 0, 1]))
        #expect(g.publicAttributes.objectClass == .publicKey)
        #expect(g.privateAttributes.objectClass == .privateKey)
        #expect(g.privateAttributes.keyType == .rsa)
        #expect(g.privateAttributes.bool(.local) == true)
        #expect(g.privateAttributes.bool(.alwaysSensitive) == true)
    }

    @Test func rsaPairRules() {
        expectCode(.templateIncomplete) { _ = try keyPair(.rsaPKCSKeyPairGen, AttributeSet()) }
        // Outside 1024...4096 bits in whole bytes; within it, the node's RSA size policy decides.
        for bits: UInt64 in [512, 1020, 2047, 8192] {
            expectCode(.keySizeRange) { _ = try keyPair(.rsaPKCSKeyPairGen, attrs((.modulusBits, .ulong(bits)))) }
        }
        #expect(throws: Never.self) { _ = try keyPair(.rsaPKCSKeyPairGen, attrs((.modulusBits, .ulong(1024)))) }
        expectCode(.attributeValueInvalid) { _ = try keyPair(.rsaPKCSKeyPairGen, attrs((.modulusBits, .ulong(2048)), (.publicExponent, .bytes([3])))) }
        expectCode(.templateInconsistent) {
            _ = try keyPair(.rsaPKCSKeyPairGen, attrs((.modulusBits, .ulong(2048))), attrs((.modulusBits, .ulong(2048))))
        }
        expectCode(.templateInconsistent) { _ = try keyPair(.rsaPKCSKeyPairGen, attrs((.modulusBits, .ulong(2048)), (.modulus, .bytes([1])))) }
        expectCode(.templateInconsistent) {
            _ = try keyPair(.rsaPKCSKeyPairGen, attrs((.modulusBits, .ulong(2048)), (.objectClass, .ulong(3))))
        }
    }

    @Test(arguments: [
        (MechanismType.ecKeyPairGen, NamedCurve.p256), (.ecKeyPairGen, .p384), (.ecKeyPairGen, .p521),
        (.ecEdwardsKeyPairGen, .ed25519), (.ecMontgomeryKeyPairGen, .x25519),
    ])
    func curvePairs(_ mechanism: MechanismType, _ curve: NamedCurve) throws {
        let g = try keyPair(mechanism, attrs((.ecParams, .bytes(curve.derOID))))
        #expect(g.parameters == curve.keyPairParameters)
        #expect(g.keyType == curve.keyType)
        #expect(g.privateAttributes.bytes(.ecParams) == curve.derOID)
    }

    @Test func curvePairRules() {
        expectCode(.templateIncomplete) { _ = try keyPair(.ecKeyPairGen, AttributeSet()) }
        expectCode(.curveNotSupported) { _ = try keyPair(.ecKeyPairGen, attrs((.ecParams, .bytes(NamedCurve.ed25519.derOID)))) }
        expectCode(.templateInconsistent) {
            _ = try keyPair(.ecKeyPairGen, attrs((.ecParams, .bytes(p256Params))), attrs((.ecParams, .bytes(NamedCurve.p384.derOID))))
        }
        expectCode(.templateInconsistent) { _ = try keyPair(.ecKeyPairGen, attrs((.ecParams, .bytes(p256Params)), (.ecPoint, .bytes([4])))) }
        expectCode(.templateInconsistent) {
            _ = try keyPair(.ecKeyPairGen, attrs((.ecParams, .bytes(p256Params)), (.keyType, .ulong(KeyType.rsa.rawValue))))
        }
    }

    @Test func curveOnPrivateTemplateOnlyIsAccepted() throws {
        let g = try keyPair(.ecKeyPairGen, AttributeSet(), attrs((.ecParams, .bytes(p256Params))))
        #expect(g.parameters == .ec(.p256))
        #expect(g.publicAttributes.bytes(.ecParams) == p256Params)
    }

    @Test func postQuantumPairs() throws {
        let dsa = try keyPair(.mlDSAKeyPairGen, attrs((.parameterSet, .ulong(2))))
        #expect(dsa.parameters == .mlDSA(.mlDSA65))
        #expect(dsa.privateAttributes.ulong(.parameterSet) == 2)
        let kem = try keyPair(.mlKEMKeyPairGen, attrs((.parameterSet, .ulong(3))))
        #expect(kem.parameters == .mlKEM(.mlKEM1024))
        #expect(kem.publicAttributes.bool(.encapsulate) == true)
        #expect(kem.privateAttributes.bool(.decapsulate) == true)
        expectCode(.templateIncomplete) { _ = try keyPair(.mlDSAKeyPairGen, AttributeSet()) }
        expectCode(.templateIncomplete) { _ = try keyPair(.mlKEMKeyPairGen, AttributeSet()) }
        expectCode(.attributeValueInvalid) { _ = try keyPair(.mlDSAKeyPairGen, attrs((.parameterSet, .ulong(1)))) }
    }
}
