// Copy, wrap, unwrap and derive over each store: the keys they make work, and the policy
// (CKA_COPYABLE, CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED, ownership) holds.

import CofferCrypto
import CofferModel
import Testing
@testable import CofferState

@Suite struct StateMachineKeyManagementTests {
    static let block = [UInt8](repeating: 0x5A, count: 16)

    static func secretTemplate(_ pairs: [(AttributeType, AttributeValue)]) -> AttributeSet {
        AttributeSet(
            [(.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.keyType, .ulong(KeyType.aes.rawValue)), (.token, .bool(true))]
                + pairs)
    }

    static func wrappingTemplate() -> AttributeSet {
        secretTemplate([(.valueLen, .ulong(32)), (.wrap, .bool(true)), (.unwrap, .bool(true))])
    }

    /// AES-ECB of one block under `handle`, as the owner sees it.
    static func encryptBlock(_ f: StateFixture, _ handle: ObjectHandle, by user: User) throws -> [UInt8] {
        let key = try f.machine.key(handle, for: .encrypt, mechanism: .aesECB, by: user)
        return try StateFixture.crypto.mechanisms().cipher(.aesECB).encrypt(block, key: key, parameters: .none)
    }

    @Test(arguments: StateBackend.allCases)
    func copyKeepsTheKeyAndTheRules(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let bob = try await f.cryptoUser("bob")
        let original = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "k"), by: alice)
        let copy = try await f.machine.copyObject(original, template: AttributeSet([(.label, .string("copy"))]), by: alice)
        #expect(copy != original)
        #expect(try f.machine.object(copy, for: alice).object.label == "copy")
        #expect(try Self.encryptBlock(f, copy, by: alice) == Self.encryptBlock(f, original, by: alice))
        // One-way: a non-extractable key's copy cannot become extractable.
        await #expect(throws: StateError.self) {
            try await f.machine.copyObject(original, template: AttributeSet([(.extractable, .bool(true))]), by: alice)
        }
        // Others cannot copy it, not even once it is shared with them.
        await #expect(throws: StateError.objectHandleInvalid) {
            try await f.machine.copyObject(original, template: AttributeSet(), by: bob)
        }
        try await f.machine.share(original, with: bob.id, by: alice)
        await #expect(throws: StateError.model(.actionProhibited("only the owner may change this object"))) {
            try await f.machine.copyObject(original, template: AttributeSet(), by: bob)
        }
        await #expect(throws: StateError.model(.roleNotPermitted(.admin, "create keys"))) {
            try await f.machine.copyObject(original, template: AttributeSet(), by: f.admin)
        }
    }

    @Test(arguments: StateBackend.allCases)
    func wrapAndUnwrapSecretKeys(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let bob = try await f.cryptoUser("bob")
        let kek = try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.wrappingTemplate(), by: alice)
        let extractable = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "out", extractable: true), by: alice)
        let wrapped = try f.machine.wrapKey(mechanism: .aesKeyWrap, parameters: .none, wrappingKey: kek, key: extractable, by: alice)
        #expect(wrapped.count == 40)

        let unwrapTemplate = Self.secretTemplate([(.encrypt, .bool(true)), (.decrypt, .bool(true)), (.label, .string("back"))])
        let unwrapped = try await f.machine.unwrapKey(
            mechanism: .aesKeyWrap, parameters: .none, unwrappingKey: kek, wrappedKey: wrapped, template: unwrapTemplate, by: alice)
        #expect(try Self.encryptBlock(f, unwrapped, by: alice) == Self.encryptBlock(f, extractable, by: alice))
        let attributes = try f.machine.object(unwrapped, for: alice).object.attributes
        #expect(attributes.bool(.local) == false)
        #expect(attributes.ulong(.valueLen) == 32)

        // A wrong length or a tampered blob is an invalid wrapped key, and makes nothing.
        let revision = f.machine.revision
        await #expect(throws: StateError.crypto(.wrappedKeyInvalid)) {
            try await f.machine.unwrapKey(
                mechanism: .aesKeyWrap, parameters: .none, unwrappingKey: kek, wrappedKey: wrapped,
                template: unwrapTemplate.merging(AttributeSet([(.valueLen, .ulong(16))])), by: alice)
        }
        var tampered = wrapped
        tampered[5] ^= 1
        await #expect(throws: StateError.crypto(.wrappedKeyInvalid)) {
            try await f.machine.unwrapKey(
                mechanism: .aesKeyWrap, parameters: .none, unwrappingKey: kek, wrappedKey: tampered, template: unwrapTemplate, by: alice)
        }
        #expect(f.machine.revision == revision)

        // CKA_EXTRACTABLE false: never wrapped.
        let fixed = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "fixed"), by: alice)
        #expect(throws: StateError.model(.keyUnextractable)) {
            try f.machine.wrapKey(mechanism: .aesKeyWrap, parameters: .none, wrappingKey: kek, key: fixed, by: alice)
        }
        // A key without CKA_WRAP cannot wrap.
        #expect(throws: StateError.model(.keyFunctionNotPermitted(.wrap))) {
            try f.machine.wrapKey(mechanism: .aesKeyWrap, parameters: .none, wrappingKey: fixed, key: extractable, by: alice)
        }
        // Bob cannot wrap Alice's key even when it is shared with him.
        let bobKEK = try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.wrappingTemplate(), by: bob)
        try await f.machine.share(extractable, with: bob.id, by: alice)
        #expect(throws: StateError.self) {
            try f.machine.wrapKey(mechanism: .aesKeyWrap, parameters: .none, wrappingKey: bobKEK, key: extractable, by: bob)
        }
    }

    /// A key pair template for `kind`: the generation mechanism, the public template and the private one.
    static func pairTemplates(_ kind: String, extractable: Bool) -> (MechanismType, AttributeSet, AttributeSet) {
        let privateTemplate = AttributeSet([
            (.label, .string(kind)), (.sign, .bool(true)), (.token, .bool(true)), (.extractable, .bool(extractable)),
        ])
        switch kind {
        case "rsa":
            return (.rsaPKCSKeyPairGen, AttributeSet([(.modulusBits, .ulong(2048)), (.verify, .bool(true)), (.token, .bool(true))]), privateTemplate)
        case "ed25519":
            return (.ecEdwardsKeyPairGen, AttributeSet([(.ecParams, .bytes(NamedCurve.ed25519.derOID)), (.verify, .bool(true)), (.token, .bool(true))]), privateTemplate)
        default:
            return (.ecKeyPairGen, AttributeSet([(.ecParams, .bytes(NamedCurve.p384.derOID)), (.verify, .bool(true)), (.token, .bool(true))]), privateTemplate)
        }
    }

    /// Issue 15 item 5: private keys wrapped as PKCS#8 under AES key wrap with padding come back as
    /// private keys that sign for the original public key; the curve comes from the PKCS#8.
    @Test(arguments: [("rsa", KeyType.rsa, MechanismType.sha256RSAPKCS), ("ec", .ec, .ecdsaSHA256), ("ed25519", .ecEdwards, .eddsa)])
    func wrapAndUnwrapPrivateKeys(_ kind: String, _ keyType: KeyType, _ signing: MechanismType) async throws {
        let f = try await StateFixture.make(.memory)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let kek = try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.wrappingTemplate(), by: alice)
        let (generation, publicTemplate, privateTemplate) = Self.pairTemplates(kind, extractable: true)
        let pair = try await f.machine.generateKeyPair(
            mechanism: generation, publicTemplate: publicTemplate, privateTemplate: privateTemplate, by: alice)
        let wrapped = try f.machine.wrapKey(mechanism: .aesKeyWrapKWP, parameters: .none, wrappingKey: kek, key: pair.privateKey, by: alice)

        let template = AttributeSet([
            (.objectClass, .ulong(ObjectClass.privateKey.rawValue)), (.keyType, .ulong(keyType.rawValue)), (.token, .bool(true)),
            (.sign, .bool(true)), (.label, .string("migrated")),
        ])
        let unwrapped = try await f.machine.unwrapKey(
            mechanism: .aesKeyWrapKWP, parameters: .none, unwrappingKey: kek, wrappedKey: wrapped, template: template, by: alice)
        let registry = try StateFixture.crypto.mechanisms()
        let message = Array("migrated key".utf8)
        let signature = try registry.signature(signing).sign(
            message, key: try f.machine.key(unwrapped, for: .sign, mechanism: signing, by: alice), parameters: .none)
        try registry.signature(signing).verify(
            signature, for: message, key: try f.machine.key(pair.publicKey, for: .verify, mechanism: signing, by: alice), parameters: .none)
        let original = try f.machine.object(pair.privateKey, for: alice).object.attributes
        let attributes = try f.machine.object(unwrapped, for: alice).object.attributes
        #expect(attributes.bool(.local) == false)
        #expect(attributes.bool(.sensitive) == true)
        #expect(attributes.bool(.extractable) == false)
        #expect(attributes.bool(.neverExtractable) == false)
        for type in [AttributeType.modulus, .publicExponent, .ecParams] {
            #expect(attributes.bytes(type) == original.bytes(type), "\(type)")
        }

        // The template's key type must be the wrapped key's; a tampered blob makes nothing.
        let revision = f.machine.revision
        let otherType: KeyType = keyType == .rsa ? .ec : .rsa
        await #expect(throws: StateError.crypto(.wrappedKeyInvalid)) {
            try await f.machine.unwrapKey(
                mechanism: .aesKeyWrapKWP, parameters: .none, unwrappingKey: kek, wrappedKey: wrapped,
                template: template.merging(AttributeSet([(.keyType, .ulong(otherType.rawValue))])), by: alice)
        }
        var tampered = wrapped
        tampered[tampered.count / 2] ^= 1
        await #expect(throws: StateError.crypto(.wrappedKeyInvalid)) {
            try await f.machine.unwrapKey(
                mechanism: .aesKeyWrapKWP, parameters: .none, unwrappingKey: kek, wrappedKey: tampered, template: template, by: alice)
        }
        // ML-DSA keys are generated inside Coffer only.
        await #expect(throws: StateError.self) {
            try await f.machine.unwrapKey(
                mechanism: .aesKeyWrapKWP, parameters: .none, unwrappingKey: kek, wrappedKey: wrapped,
                template: template.merging(AttributeSet([(.keyType, .ulong(KeyType.mlDSA.rawValue))])), by: alice)
        }
        #expect(f.machine.revision == revision)
    }

    @Test(arguments: StateBackend.allCases)
    func wrapWithTrustedNeedsATrustedKey(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let kek = try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.wrappingTemplate(), by: alice)
        let guarded = try await f.machine.generateKey(
            mechanism: .aesKeyGen,
            template: StateFixture.aesTemplate(label: "guarded", extractable: true).merging(AttributeSet([(.wrapWithTrusted, .bool(true))])),
            by: alice)
        #expect(throws: StateError.model(.keyNotWrappable)) {
            try f.machine.wrapKey(mechanism: .aesKeyWrap, parameters: .none, wrappingKey: kek, key: guarded, by: alice)
        }
        try await f.machine.setAttributes(kek, AttributeSet([(.trusted, .bool(true))]), by: f.admin)
        let wrapped = try f.machine.wrapKey(mechanism: .aesKeyWrap, parameters: .none, wrappingKey: kek, key: guarded, by: alice)
        #expect(wrapped.count == 40)
        // The admin may mark keys trusted but never wrap them.
        #expect(throws: StateError.self) {
            try f.machine.wrapKey(mechanism: .aesKeyWrap, parameters: .none, wrappingKey: kek, key: guarded, by: f.admin)
        }
    }

    @Test(arguments: StateBackend.allCases)
    func deriveWithHKDFAndECDH(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let secretTemplate = AttributeSet([
            (.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.keyType, .ulong(KeyType.genericSecret.rawValue)),
            (.valueLen, .ulong(32)), (.derive, .bool(true)), (.token, .bool(true)),
        ])
        let base = try await f.machine.generateKey(mechanism: .genericSecretKeyGen, template: secretTemplate, by: alice)
        let hkdf = MechanismParameters.hkdf(
            HKDFParameters(extract: true, expand: true, hash: .sha256, salt: Array("salt".utf8), info: Array("info".utf8)))
        let derivedTemplate = Self.secretTemplate([(.valueLen, .ulong(32)), (.encrypt, .bool(true)), (.sensitive, .bool(true))])
        let first = try await f.machine.deriveKey(mechanism: .hkdfDerive, parameters: hkdf, baseKey: base, template: derivedTemplate, by: alice)
        let second = try await f.machine.deriveKey(mechanism: .hkdfDerive, parameters: hkdf, baseKey: base, template: derivedTemplate, by: alice)
        #expect(try Self.encryptBlock(f, first, by: alice) == Self.encryptBlock(f, second, by: alice))
        #expect(try f.machine.object(first, for: alice).object.attributes.bool(.local) == false)
        // CKA_VALUE_LEN is required.
        await #expect(throws: StateError.model(.templateIncomplete(.valueLen))) {
            try await f.machine.deriveKey(
                mechanism: .hkdfDerive, parameters: hkdf, baseKey: base, template: Self.secretTemplate([(.encrypt, .bool(true))]), by: alice)
        }

        // ECDH: each side derives the same key from its private key and the other's point.
        let (publicTemplate, privateTemplate) = StateFixture.ecTemplates(label: "ecdh")
        let derivingPrivate = privateTemplate.merging(AttributeSet([(.derive, .bool(true))])).removing([.sign])
        let a = try await f.machine.generateKeyPair(
            mechanism: .ecKeyPairGen, publicTemplate: publicTemplate.removing([.verify]), privateTemplate: derivingPrivate, by: alice)
        let b = try await f.machine.generateKeyPair(
            mechanism: .ecKeyPairGen, publicTemplate: publicTemplate.removing([.verify]), privateTemplate: derivingPrivate, by: alice)
        func point(_ handle: ObjectHandle) throws -> [UInt8] {
            Array(try #require(f.machine.object(handle, for: alice).object.attributes.bytes(.ecPoint)).suffix(65))
        }
        let fromA = try await f.machine.deriveKey(
            mechanism: .ecdh1Derive, parameters: .ecdh(kdf: .null, sharedData: [], publicData: try point(b.publicKey)),
            baseKey: a.privateKey, template: derivedTemplate, by: alice)
        let fromB = try await f.machine.deriveKey(
            mechanism: .ecdh1Derive, parameters: .ecdh(kdf: .null, sharedData: [], publicData: try point(a.publicKey)),
            baseKey: b.privateKey, template: derivedTemplate, by: alice)
        #expect(try Self.encryptBlock(f, fromA, by: alice) == Self.encryptBlock(f, fromB, by: alice))
    }
}
