// C_SetAttributeValue and C_CopyObject: one test per transition rule.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct ChangeTemplateTests {
    // MARK: one-way transitions

    @Test func sensitiveOnlyTurnsTrue() throws {
        let key = try aesKey((.sensitive, .bool(false)))
        let changed = try TemplateRules.setAttributes(key, changes: attrs((.sensitive, .bool(true))), by: .cryptoUser)
        #expect(changed.bool(.sensitive) == true)
        // It was once not sensitive, so it can never be "always sensitive".
        #expect(changed.bool(.alwaysSensitive) == false)
        expectCode(.attributeReadOnly) { _ = try TemplateRules.setAttributes(changed, changes: attrs((.sensitive, .bool(false))), by: .cryptoUser) }
    }

    @Test func extractableOnlyTurnsFalse() throws {
        let key = try aesKey((.extractable, .bool(true)))
        let changed = try TemplateRules.setAttributes(key, changes: attrs((.extractable, .bool(false))), by: .cryptoUser)
        #expect(changed.bool(.extractable) == false)
        #expect(changed.bool(.neverExtractable) == false)
        expectCode(.attributeReadOnly) { _ = try TemplateRules.setAttributes(changed, changes: attrs((.extractable, .bool(true))), by: .cryptoUser) }
    }

    @Test func wrapWithTrustedOnlyTurnsTrue() throws {
        let key = try aesKey()
        let changed = try TemplateRules.setAttributes(key, changes: attrs((.wrapWithTrusted, .bool(true))), by: .cryptoUser)
        expectCode(.attributeReadOnly) { _ = try TemplateRules.setAttributes(changed, changes: attrs((.wrapWithTrusted, .bool(false))), by: .cryptoUser) }
    }

    @Test func alwaysSensitiveSurvivesSensitiveChangesThatKeepItTrue() throws {
        let key = try aesKey()
        let changed = try TemplateRules.setAttributes(key, changes: attrs((.sensitive, .bool(true)), (.label, .string("x"))), by: .cryptoUser)
        #expect(changed.bool(.alwaysSensitive) == true)
        #expect(changed.bool(.neverExtractable) == true)
        #expect(changed.bool(.local) == true)
    }

    // MARK: read-only attributes

    @Test(arguments: [AttributeType.local, .alwaysSensitive, .neverExtractable, .keyGenMechanism])
    func libraryAttributesCannotBeSet(_ type: AttributeType) throws {
        let key = try aesKey()
        let value: AttributeValue = type == .keyGenMechanism ? .ulong(0) : .bool(false)
        expectCode(.attributeReadOnly) { _ = try TemplateRules.setAttributes(key, changes: attrs((type, value)), by: .cryptoUser) }
    }

    @Test func classKeyTypeAndValueLenCannotChange() throws {
        let key = try aesKey()
        expectCode(.attributeReadOnly) { _ = try TemplateRules.setAttributes(key, changes: attrs((.objectClass, .ulong(3))), by: .cryptoUser) }
        expectCode(.attributeReadOnly) { _ = try TemplateRules.setAttributes(key, changes: attrs((.keyType, .ulong(0x10))), by: .cryptoUser) }
        expectCode(.attributeReadOnly) { _ = try TemplateRules.setAttributes(key, changes: attrs((.valueLen, .ulong(16))), by: .cryptoUser) }
        expectCode(.attributeReadOnly) { _ = try TemplateRules.setAttributes(key, changes: attrs((.token, .bool(true))), by: .cryptoUser) }
    }

    @Test func attributeNotOnObjectIsTypeInvalid() throws {
        let key = try aesKey()
        expectCode(.attributeTypeInvalid) { _ = try TemplateRules.setAttributes(key, changes: attrs((.modulus, .bytes([1]))), by: .cryptoUser) }
    }

    @Test func usageFlagsAndLabelAreModifiable() throws {
        let key = try aesKey()
        let changed = try TemplateRules.setAttributes(key, changes: attrs((.encrypt, .bool(false)), (.label, .string("new")), (.id, .bytes([9]))), by: .cryptoUser)
        #expect(changed.bool(.encrypt) == false)
        #expect(changed.string(.label) == "new")
        #expect(changed.bytes(.id) == [9])
    }

    // MARK: trusted

    @Test func onlyAdminMakesAKeyTrusted() throws {
        let key = try aesKey()
        expectCode(.attributeReadOnly) { _ = try TemplateRules.setAttributes(key, changes: attrs((.trusted, .bool(true))), by: .cryptoUser) }
        let trusted = try TemplateRules.setAttributes(key, changes: attrs((.trusted, .bool(true))), by: .admin)
        #expect(trusted.bool(.trusted) == true)
    }

    @Test func adminChangesNothingButTrusted() throws {
        let key = try aesKey()
        expectCode(.userNotLoggedIn) { _ = try TemplateRules.setAttributes(key, changes: attrs((.label, .string("x"))), by: .admin) }
    }

    // MARK: modifiable, copyable

    @Test func notModifiableBlocksSet() throws {
        let key = try aesKey((.modifiable, .bool(false)))
        expectCode(.actionProhibited) { _ = try TemplateRules.setAttributes(key, changes: attrs((.label, .string("x"))), by: .cryptoUser) }
    }

    @Test func notCopyableBlocksCopy() throws {
        let key = try aesKey((.copyable, .bool(false)))
        expectCode(.actionProhibited) { _ = try TemplateRules.copy(key, template: AttributeSet(), by: .cryptoUser) }
    }

    @Test func copyMayChangeTokenAndKeepsLibraryAttributes() throws {
        let key = try aesKey()
        let copy = try TemplateRules.copy(key, template: attrs((.token, .bool(true)), (.label, .string("copy"))), by: .cryptoUser)
        #expect(copy.bool(.token) == true)
        #expect(copy.string(.label) == "copy")
        #expect(copy.bool(.local) == true)
        #expect(copy.ulong(.keyGenMechanism) == key.ulong(.keyGenMechanism))
        #expect(copy.bool(.alwaysSensitive) == true)
    }

    @Test func copyFollowsOneWayRules() throws {
        let key = try aesKey()
        expectCode(.attributeReadOnly) { _ = try TemplateRules.copy(key, template: attrs((.extractable, .bool(true))), by: .cryptoUser) }
        expectCode(.attributeReadOnly) { _ = try TemplateRules.copy(key, template: attrs((.sensitive, .bool(false))), by: .cryptoUser) }
        expectCode(.attributeReadOnly) { _ = try TemplateRules.copy(key, template: attrs((.local, .bool(false))), by: .cryptoUser) }
        expectCode(.attributeReadOnly) { _ = try TemplateRules.copy(key, template: attrs((.objectClass, .ulong(3))), by: .cryptoUser) }
        expectCode(.templateInconsistent) { _ = try TemplateRules.copy(key, template: attrs((.ecParams, .bytes(p256Params))), by: .cryptoUser) }
        let frozen = try TemplateRules.copy(key, template: attrs((.copyable, .bool(false))), by: .cryptoUser)
        expectCode(.actionProhibited) { _ = try TemplateRules.copy(frozen, template: attrs((.copyable, .bool(true))), by: .cryptoUser) }
    }

    @Test func copyOfExtractableKeyTurnedUnextractableIsNotNeverExtractable() throws {
        let key = try aesKey((.extractable, .bool(true)))
        let copy = try TemplateRules.copy(key, template: attrs((.extractable, .bool(false))), by: .cryptoUser)
        #expect(copy.bool(.extractable) == false)
        #expect(copy.bool(.neverExtractable) == false)
    }
}
