// The policy matrix: one case per usage flag, plus mechanism, key type, wrapping, reading and destroying.

import CofferCrypto
import Testing

@testable import CofferModel

/// A key and mechanism that can perform one operation when its usage flag allows.
struct UsageCase: Sendable, CustomStringConvertible {
    let operation: KeyOperation
    let mechanism: MechanismType
    let key: @Sendable () throws -> AttributeSet
    var description: String { "\(operation) with \(mechanism)" }
}

private let rsa: @Sendable () throws -> KeyPairGeneration = { try keyPair(.rsaPKCSKeyPairGen, attrs((.modulusBits, .ulong(2048)))) }
private let ec: @Sendable () throws -> KeyPairGeneration = { try keyPair(.ecKeyPairGen, attrs((.ecParams, .bytes(p256Params)))) }
private let kem: @Sendable () throws -> KeyPairGeneration = { try keyPair(.mlKEMKeyPairGen, attrs((.parameterSet, .ulong(2)))) }

let usageCases: [UsageCase] = [
    UsageCase(operation: .encrypt, mechanism: .aesGCM) { try aesKey() },
    UsageCase(operation: .decrypt, mechanism: .aesCBCPad) { try aesKey() },
    UsageCase(operation: .sign, mechanism: .ecdsaSHA256) { try ec().privateAttributes },
    UsageCase(operation: .verify, mechanism: .ecdsaSHA256) { try ec().publicAttributes },
    UsageCase(operation: .signRecover, mechanism: .rsaPKCS) { try rsa().privateAttributes.merging(attrs((.signRecover, .bool(true)))) },
    UsageCase(operation: .verifyRecover, mechanism: .rsaPKCS) { try rsa().publicAttributes.merging(attrs((.verifyRecover, .bool(true)))) },
    UsageCase(operation: .wrap, mechanism: .aesKeyWrapKWP) { try aesKey() },
    UsageCase(operation: .unwrap, mechanism: .aesKeyWrap) { try aesKey() },
    UsageCase(operation: .derive, mechanism: .ecdh1Derive) { try ec().privateAttributes.merging(attrs((.derive, .bool(true)))) },
    UsageCase(operation: .encapsulate, mechanism: .mlKEM) { try kem().publicAttributes },
    UsageCase(operation: .decapsulate, mechanism: .mlKEM) { try kem().privateAttributes },
]

@Suite struct KeyPolicyTests {
    @Test(arguments: usageCases)
    func usageFlagTrueAllows(_ c: UsageCase) throws {
        try KeyPolicy.checkUse(try c.key(), for: c.operation, mechanism: c.mechanism)
    }

    @Test(arguments: usageCases)
    func usageFlagFalseForbids(_ c: UsageCase) throws {
        let key = try c.key().merging(attrs((c.operation.usageAttribute, .bool(false))))
        expectCode(.keyFunctionNotPermitted) { try KeyPolicy.checkUse(key, for: c.operation, mechanism: c.mechanism) }
    }

    @Test(arguments: usageCases)
    func allowedMechanismsRestrict(_ c: UsageCase) throws {
        let other = try c.key().merging(attrs((.allowedMechanisms, .mechanisms([.sha256]))))
        expectCode(.mechanismInvalid) { try KeyPolicy.checkUse(other, for: c.operation, mechanism: c.mechanism) }
        let listed = try c.key().merging(attrs((.allowedMechanisms, .mechanisms([.sha256, c.mechanism]))))
        try KeyPolicy.checkUse(listed, for: c.operation, mechanism: c.mechanism)
    }

    @Test func classWithoutTheFunctionIsNotPermitted() throws {
        // A public key has no CKA_SIGN at all.
        let pub = try ec().publicAttributes
        expectCode(.keyFunctionNotPermitted) { try KeyPolicy.checkUse(pub, for: .sign, mechanism: .ecdsa) }
    }

    @Test func keyTypeMustFitMechanism() throws {
        let key = try rsa().privateAttributes
        expectCode(.keyTypeInconsistent) { try KeyPolicy.checkUse(key, for: .sign, mechanism: .ecdsaSHA256) }
        expectCode(.keyTypeInconsistent) { try KeyPolicy.checkUse(try aesKey(), for: .sign, mechanism: .sha256HMAC) }
    }

    @Test func mechanismMustSupportOperation() throws {
        expectCode(.mechanismInvalid) { try KeyPolicy.checkUse(try aesKey(), for: .sign, mechanism: .aesGCM) }
        expectCode(.mechanismInvalid) { try KeyPolicy.checkUse(try aesKey(), for: .encrypt, mechanism: .sha256) }
    }

    @Test func dataObjectIsNotAKey() {
        expectCode(.keyHandleInvalid) {
            try KeyPolicy.checkUse(ObjectSchema.defaults(for: .data, keyType: nil), for: .encrypt, mechanism: .aesGCM)
        }
    }

    // MARK: wrapping

    @Test func wrapNeedsWrapFlag() throws {
        let wrapping = try aesKey((.wrap, .bool(false)))
        let target = try aesKey((.extractable, .bool(true)))
        expectCode(.keyFunctionNotPermitted) { try KeyPolicy.checkWrap(wrappingKey: wrapping, keyToWrap: target, mechanism: .aesKeyWrap) }
    }

    @Test func wrappedKeyMustBeExtractable() throws {
        expectCode(.keyUnextractable) { try KeyPolicy.checkWrap(wrappingKey: try aesKey(), keyToWrap: try aesKey(), mechanism: .aesKeyWrap) }
        try KeyPolicy.checkWrap(wrappingKey: try aesKey(), keyToWrap: try aesKey((.extractable, .bool(true))), mechanism: .aesKeyWrap)
    }

    @Test func wrapWithTrustedNeedsTrustedWrappingKey() throws {
        let target = try aesKey((.extractable, .bool(true)), (.wrapWithTrusted, .bool(true)))
        expectCode(.keyNotWrappable) { try KeyPolicy.checkWrap(wrappingKey: try aesKey(), keyToWrap: target, mechanism: .aesKeyWrap) }
        let trusted = try TemplateRules.setAttributes(try aesKey(), changes: attrs((.trusted, .bool(true))), by: .admin)
        try KeyPolicy.checkWrap(wrappingKey: trusted, keyToWrap: target, mechanism: .aesKeyWrap)
    }

    @Test func wrappingKeyTypeInconsistent() throws {
        let target = try aesKey((.extractable, .bool(true)))
        expectCode(.wrappingKeyTypeInconsistent) {
            try KeyPolicy.checkWrap(wrappingKey: try rsa().publicAttributes, keyToWrap: target, mechanism: .aesKeyWrap)
        }
        expectCode(.keyHandleInvalid) {
            try KeyPolicy.checkWrap(wrappingKey: try aesKey(), keyToWrap: try ec().publicAttributes, mechanism: .aesKeyWrap)
        }
    }

    @Test func unwrapNeedsUnwrapFlag() throws {
        expectCode(.keyFunctionNotPermitted) { try KeyPolicy.checkUnwrap(unwrappingKey: try aesKey((.unwrap, .bool(false))), mechanism: .aesKeyWrap) }
        expectCode(.unwrappingKeyTypeInconsistent) { try KeyPolicy.checkUnwrap(unwrappingKey: try ec().privateAttributes, mechanism: .aesKeyWrap) }
        try KeyPolicy.checkUnwrap(unwrappingKey: try aesKey(), mechanism: .aesKeyWrap)
    }

    // MARK: destroy and reveal

    @Test func destroyable() throws {
        expectCode(.actionProhibited) { try KeyPolicy.checkDestroy(try aesKey((.destroyable, .bool(false)))) }
        try KeyPolicy.checkDestroy(try aesKey())
    }

    private func stored(_ attributes: AttributeSet) -> StoredObject {
        StoredObject(handle: 1, objectClass: attributes.objectClass ?? .data, attributes: attributes, owner: UserID(1))
    }

    @Test func secretValuesOfSensitiveKeysAreNeverReadable() throws {
        let sensitive = stored(try aesKey())
        expectCode(.attributeSensitive) { _ = try KeyPolicy.reveal(.value, of: sensitive) }
        let unextractable = stored(try aesKey((.sensitive, .bool(false))))
        expectCode(.attributeSensitive) { _ = try KeyPolicy.reveal(.value, of: unextractable) }
        let open = stored(try aesKey((.sensitive, .bool(false)), (.extractable, .bool(true))))
        #expect(try KeyPolicy.reveal(.value, of: open) == .sealed)
        let rsaPrivate = stored(try rsa().privateAttributes)
        for t: AttributeType in [.privateExponent, .prime1, .prime2, .exponent1, .exponent2, .coefficient] {
            expectCode(.attributeSensitive) { _ = try KeyPolicy.reveal(t, of: rsaPrivate) }
        }
    }

    @Test func publicAttributesAreReadable() throws {
        let key = stored(try aesKey((.label, .string("l"))))
        #expect(try KeyPolicy.reveal(.label, of: key) == .value(.string("l")))
        #expect(try KeyPolicy.reveal(.valueLen, of: key) == .value(.ulong(32)))
        expectCode(.attributeTypeInvalid) { _ = try KeyPolicy.reveal(.modulus, of: key) }
    }
}
