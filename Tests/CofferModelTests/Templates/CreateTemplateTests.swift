// C_CreateObject template checks, one per CKR code, and the object they build.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct CreateTemplateTests {
    let aesValue = [UInt8](repeating: 7, count: 32)

    @Test func createsSecretKeyAndSplitsItsValue() throws {
        let made = try TemplateRules.create(
            attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.value, .bytes(aesValue)), (.label, .string("k"))),
            by: .cryptoUser)
        #expect(made.secretAttributes.bytes(.value) == aesValue)
        #expect(!made.attributes.contains(.value))
        #expect(made.attributes.ulong(.valueLen) == 32)
        #expect(made.attributes.string(.label) == "k")
        #expect(made.attributes.bool(.local) == false)
        #expect(made.attributes.bool(.alwaysSensitive) == false)
        #expect(made.attributes.bool(.neverExtractable) == false)
        #expect(made.attributes.ulong(.keyGenMechanism) == ObjectSchema.unavailableInformation)
    }

    @Test func createsRSAPublicKeyWithModulusBits() throws {
        let modulus = [UInt8(0x00), 0x80] + [UInt8](repeating: 0xFF, count: 255)
        let made = try TemplateRules.create(
            attrs((.objectClass, .ulong(2)), (.keyType, .ulong(0)), (.modulus, .bytes(modulus)), (.publicExponent, .bytes([1, 0, 1]))),
            by: .cryptoUser)
        #expect(made.attributes.ulong(.modulusBits) == 2048)
        #expect(made.secretAttributes.isEmpty)
    }

    @Test func createsDataObjectKeepingItsValue() throws {
        let made = try TemplateRules.create(attrs((.objectClass, .ulong(0)), (.value, .bytes([1, 2]))), by: .cryptoUser)
        #expect(made.attributes.bytes(.value) == [1, 2])
        #expect(!made.attributes.contains(.local))
    }

    @Test func missingClassIsIncomplete() {
        expectCode(.templateIncomplete) { _ = try TemplateRules.create(attrs((.label, .string("x"))), by: .cryptoUser) }
    }

    @Test func missingKeyTypeOrValueIsIncomplete() {
        expectCode(.templateIncomplete) {
            _ = try TemplateRules.create(attrs((.objectClass, .ulong(4)), (.value, .bytes(aesValue))), by: .cryptoUser)
        }
        expectCode(.templateIncomplete) {
            _ = try TemplateRules.create(attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue))), by: .cryptoUser)
        }
        expectCode(.templateIncomplete) {
            _ = try TemplateRules.create(attrs((.objectClass, .ulong(2)), (.keyType, .ulong(KeyType.ec.rawValue)), (.ecParams, .bytes(p256Params))), by: .cryptoUser)
        }
    }

    @Test func unknownClassOrKeyTypeIsValueInvalid() {
        expectCode(.attributeValueInvalid) { _ = try TemplateRules.create(attrs((.objectClass, .ulong(0x99))), by: .cryptoUser) }
        expectCode(.attributeValueInvalid) {
            _ = try TemplateRules.create(attrs((.objectClass, .ulong(4)), (.keyType, .ulong(0x1234)), (.value, .bytes(aesValue))), by: .cryptoUser)
        }
    }

    @Test func wrongAESLengthIsValueInvalid() {
        expectCode(.attributeValueInvalid) {
            _ = try TemplateRules.create(
                attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.value, .bytes([1, 2, 3]))), by: .cryptoUser)
        }
    }

    @Test func libraryAttributesAreReadOnly() {
        for t: AttributeType in [.local, .alwaysSensitive, .neverExtractable, .keyGenMechanism] {
            let value: AttributeValue = t == .keyGenMechanism ? .ulong(0x1080) : .bool(true)
            expectCode(.attributeReadOnly) {
                _ = try TemplateRules.create(
                    attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.value, .bytes(aesValue)), (t, value)),
                    by: .cryptoUser)
            }
        }
    }

    @Test func trustedOnlyByAdmin() throws {
        let cert = attrs(
            (.objectClass, .ulong(1)), (.certificateType, .ulong(0)), (.subject, .bytes([0x30, 0])), (.value, .bytes([0x30, 0])),
            (.trusted, .bool(true)))
        expectCode(.attributeReadOnly) { _ = try TemplateRules.create(cert, by: .cryptoUser) }
        #expect(try TemplateRules.create(cert, by: .admin).attributes.bool(.trusted) == true)
    }

    @Test func attributeOfAnotherClassIsInconsistent() {
        expectCode(.templateInconsistent) {
            _ = try TemplateRules.create(
                attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.value, .bytes(aesValue)), (.modulus, .bytes([1]))),
                by: .cryptoUser)
        }
        // A public key type on a secret key class.
        expectCode(.templateInconsistent) {
            _ = try TemplateRules.create(attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.rsa.rawValue))), by: .cryptoUser)
        }
    }

    @Test func valueLenOnCreateIsInconsistent() {
        expectCode(.templateInconsistent) {
            _ = try TemplateRules.create(
                attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.value, .bytes(aesValue)), (.valueLen, .ulong(32))),
                by: .cryptoUser)
        }
    }

    @Test func curveMustFitKeyType() {
        let edwards = attrs((.objectClass, .ulong(2)), (.keyType, .ulong(KeyType.ecEdwards.rawValue)), (.ecParams, .bytes(p256Params)), (.ecPoint, .bytes([4])))
        expectCode(.templateInconsistent) { _ = try TemplateRules.create(edwards, by: .cryptoUser) }
    }

    @Test func certificateTypeMustBeX509() {
        expectCode(.templateIncomplete) { _ = try TemplateRules.create(attrs((.objectClass, .ulong(1))), by: .cryptoUser) }
        expectCode(.attributeValueInvalid) {
            _ = try TemplateRules.create(attrs((.objectClass, .ulong(1)), (.certificateType, .ulong(1))), by: .cryptoUser)
        }
    }
}
