// C_UnwrapKey template checks.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct UnwrapTemplateTests {
    @Test func unwrapsSecretKey() throws {
        let t = try TemplateRules.unwrap(
            template: attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.valueLen, .ulong(32)), (.sensitive, .bool(true))),
            by: .cryptoUser)
        #expect(t.expectedValueLength == 32)
        #expect(t.keyType == .aes)
        // An unwrapped key has been outside the token: never "always sensitive" (v3.0 §4.14).
        #expect(t.attributes.bool(.alwaysSensitive) == false)
        #expect(t.attributes.bool(.neverExtractable) == false)
        #expect(t.attributes.bool(.local) == false)
    }

    @Test func classAndKeyTypeAreRequired() {
        expectCode(.templateIncomplete) { _ = try TemplateRules.unwrap(template: attrs((.keyType, .ulong(KeyType.aes.rawValue))), by: .cryptoUser) }
        expectCode(.templateIncomplete) { _ = try TemplateRules.unwrap(template: attrs((.objectClass, .ulong(4))), by: .cryptoUser) }
    }

    @Test func onlyKeysWithSecretsCanBeUnwrapped() {
        expectCode(.templateInconsistent) {
            _ = try TemplateRules.unwrap(template: attrs((.objectClass, .ulong(2)), (.keyType, .ulong(KeyType.ec.rawValue))), by: .cryptoUser)
        }
    }

    @Test func valueInUnwrapTemplateIsInconsistent() {
        expectCode(.templateInconsistent) {
            _ = try TemplateRules.unwrap(
                template: attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.value, .bytes([1]))), by: .cryptoUser)
        }
        expectCode(.templateInconsistent) {
            _ = try TemplateRules.unwrap(
                template: attrs((.objectClass, .ulong(3)), (.keyType, .ulong(KeyType.ec.rawValue)), (.ecParams, .bytes(p256Params))), by: .cryptoUser)
        }
    }

    @Test func badValueLenAndReadOnly() {
        expectCode(.attributeValueInvalid) {
            _ = try TemplateRules.unwrap(
                template: attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.valueLen, .ulong(20))), by: .cryptoUser)
        }
        expectCode(.attributeReadOnly) {
            _ = try TemplateRules.unwrap(
                template: attrs((.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.neverExtractable, .bool(true))),
                by: .cryptoUser)
        }
    }
}
