// The state machine end to end over each store: commands, access, lockout, sealing and restart.

import CofferCrypto
import CofferModel
import Foundation
import Testing
@testable import CofferState

@Suite struct StateMachineTests {
    @Test(arguments: StateBackend.allCases)
    func userLifecycleAndLockout(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        await #expect(throws: StateError.userExists("alice")) { try await f.cryptoUser("alice") }
        #expect(try await f.machine.authenticate(name: "alice", password: StateFixture.password("alice")).id == alice.id)

        for _ in 0..<(Int(User.lockoutThreshold) - 1) {
            await #expect(throws: StateError.pinIncorrect) {
                try await f.machine.authenticate(name: "alice", password: SecretBytes(Array("wrong-password".utf8)))
            }
        }
        #expect(try f.machine.user(alice.id).locked == false)
        // The failure that locks the account says so.
        await #expect(throws: StateError.pinIncorrectNowLocked) {
            try await f.machine.authenticate(name: "alice", password: SecretBytes(Array("wrong-password".utf8)))
        }
        #expect(StateError.pinIncorrectNowLocked.returnCode == .pinIncorrect)
        #expect(try f.machine.user(alice.id).locked)
        // Locked: even the right password is refused until an admin unlocks.
        await #expect(throws: StateError.pinLocked) {
            try await f.machine.authenticate(name: "alice", password: StateFixture.password("alice"))
        }
        await #expect(throws: StateError.self) { try await f.machine.unlockUser(alice.id, by: alice) }
        try await f.machine.unlockUser(alice.id, by: f.admin)
        #expect(try await f.machine.authenticate(name: "alice", password: StateFixture.password("alice")).id == alice.id)

        try await f.machine.changePassword(of: alice.id, to: SecretBytes(Array("a-new-password".utf8)), by: alice)
        await #expect(throws: StateError.pinIncorrect) {
            try await f.machine.authenticate(name: "alice", password: StateFixture.password("alice"))
        }
        await #expect(throws: StateError.pinLenRange) {
            try await f.machine.changePassword(of: alice.id, to: SecretBytes(Array("short".utf8)), by: alice)
        }
        await #expect(throws: StateError.pinIncorrect) {
            try await f.machine.authenticate(name: "nobody", password: StateFixture.password("nobody"))
        }
        try await f.machine.deleteUser(alice.id, by: f.admin)
        #expect(throws: StateError.userNotFound) { try f.machine.user(named: "alice") }
    }

    @Test(arguments: StateBackend.allCases)
    func keysAreOwnedSharedAndPolicyChecked(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let bob = try await f.cryptoUser("bob")
        let aes = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "alice-aes"), by: alice)
        let (ecPublicTemplate, ecPrivateTemplate) = StateFixture.ecTemplates(label: "alice-ec")
        let pair = try await f.machine.generateKeyPair(
            mechanism: .ecKeyPairGen, publicTemplate: ecPublicTemplate, privateTemplate: ecPrivateTemplate, by: alice)

        // The owner uses the keys.
        let registry = try StateFixture.crypto.mechanisms()
        let key = try f.machine.key(aes, for: .encrypt, mechanism: .aesGCM, by: alice)
        let gcm = MechanismParameters.gcm(iv: Array(repeating: 7, count: 12), additionalData: [], tagBits: 128)
        let ciphertext = try registry.cipher(.aesGCM).encrypt(Array("hello".utf8), key: key, parameters: gcm)
        let decryptKey = try f.machine.key(aes, for: .decrypt, mechanism: .aesGCM, by: alice)
        #expect(try registry.cipher(.aesGCM).decrypt(ciphertext, key: decryptKey, parameters: gcm) == Array("hello".utf8))
        let signingKey = try f.machine.key(pair.privateKey, for: .sign, mechanism: .ecdsaSHA256, by: alice)
        let signature = try registry.signature(.ecdsaSHA256).sign(Array("msg".utf8), key: signingKey, parameters: .none)
        let verifyKey = try f.machine.key(pair.publicKey, for: .verify, mechanism: .ecdsaSHA256, by: alice)
        try registry.signature(.ecdsaSHA256).verify(signature, for: Array("msg".utf8), key: verifyKey, parameters: .none)

        // Usage attributes: the private key may not verify or decrypt.
        #expect(throws: StateError.self) { try f.machine.key(pair.privateKey, for: .decrypt, mechanism: .aesGCM, by: alice) }
        #expect(throws: StateError.model(.keyFunctionNotPermitted(.wrap))) {
            try f.machine.key(aes, for: .wrap, mechanism: .aesKeyWrap, by: alice)
        }

        // Bob cannot see or use Alice's keys, until she shares one.
        #expect(throws: StateError.keyHandleInvalid(.keyHandleInvalid)) { try f.machine.key(aes, for: .encrypt, mechanism: .aesGCM, by: bob) }
        #expect(try f.machine.find(AttributeSet([(.label, .string("alice-aes"))]), for: bob).isEmpty)
        try await f.machine.share(aes, with: bob.id, by: alice)
        #expect(try f.machine.find(AttributeSet([(.label, .string("alice-aes"))]), for: bob) == [aes])
        _ = try f.machine.key(aes, for: .encrypt, mechanism: .aesGCM, by: bob)
        // A user it is shared with may not change, share or destroy it.
        await #expect(throws: StateError.self) { try await f.machine.destroy(aes, by: bob) }
        await #expect(throws: StateError.self) { try await f.machine.share(aes, with: bob.id, by: bob) }
        try await f.machine.unshare(aes, from: bob.id, by: alice)
        #expect(throws: StateError.keyHandleInvalid(.keyHandleInvalid)) { try f.machine.key(aes, for: .encrypt, mechanism: .aesGCM, by: bob) }
        #expect(throws: StateError.keyHandleInvalid(.keyHandleInvalid)) { try f.machine.key(pair.privateKey, for: .sign, mechanism: .ecdsa, by: bob) }

        // Admins manage but never use keys.
        #expect(throws: StateError.self) { try f.machine.key(aes, for: .encrypt, mechanism: .aesGCM, by: f.admin) }
        await #expect(throws: StateError.self) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "x"), by: f.admin)
        }

        // A sensitive key's value is never readable; a user that owns keys cannot be deleted.
        #expect(throws: StateError.model(.attributeSensitive(.value))) { try f.machine.attributeValue(.value, of: aes, for: alice) }
        #expect(throws: StateError.model(.attributeSensitive(.value))) {
            try f.machine.attributeValue(.value, of: pair.privateKey, for: alice)
        }
        await #expect(throws: StateError.userOwnsObjects(3)) { try await f.machine.deleteUser(alice.id, by: f.admin) }

        // One-way attributes, then destroy.
        await #expect(throws: StateError.model(.attributeReadOnly(.sensitive, "once true it cannot become false"))) {
            try await f.machine.setAttributes(aes, AttributeSet([(.sensitive, .bool(false))]), by: alice)
        }
        try await f.machine.setAttributes(aes, AttributeSet([(.label, .string("renamed"))]), by: alice)
        #expect(try f.machine.find(AttributeSet([(.label, .string("renamed"))]), for: alice) == [aes])
        #expect(try f.machine.find(AttributeSet([(.label, .string("alice-aes"))]), for: alice).isEmpty)
        try await f.machine.destroy(aes, by: alice)
        #expect(throws: StateError.objectHandleInvalid) { try f.machine.object(aes, for: alice) }
    }

    @Test(arguments: StateBackend.allCases)
    func extractableNonSensitiveValueIsReadableAndImportedKeysWork(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let value = Array(repeating: UInt8(0x42), count: 16)
        let template = AttributeSet([
            (.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.keyType, .ulong(KeyType.aes.rawValue)),
            (.value, .bytes(value)), (.label, .string("imported")), (.encrypt, .bool(true)),
            (.sensitive, .bool(false)), (.extractable, .bool(true)), (.token, .bool(true)),
        ])
        let handle = try await f.machine.createObject(template, by: alice)
        #expect(try f.machine.attributeValue(.value, of: handle, for: alice) == .bytes(value))
        #expect(try f.machine.attributeValue(.valueLen, of: handle, for: alice) == .ulong(16))
        // CKA_LOCAL is false for an imported key and callers cannot set it.
        #expect(try f.machine.attributeValue(.local, of: handle, for: alice) == .bool(false))
        let key = try f.machine.key(handle, for: .encrypt, mechanism: .aesECB, by: alice)
        guard case .secret(let symmetric) = key else { Issue.record("not a secret key"); return }
        #expect(symmetric.withUnsafeBytes { Array($0) } == value)
        // An EC private key imported from its scalar signs, and its public point comes from the key itself.
        let scalar = (1...32).map { UInt8($0) }
        let privateTemplate = AttributeSet([
            (.objectClass, .ulong(ObjectClass.privateKey.rawValue)), (.keyType, .ulong(KeyType.ec.rawValue)),
            (.ecParams, .bytes(NamedCurve.p256.derOID)), (.value, .bytes(scalar)), (.sign, .bool(true)), (.token, .bool(true)),
        ])
        let imported = try await f.machine.createObject(privateTemplate, by: alice)
        guard case .bytes(let info) = try f.machine.attributeValue(.publicKeyInfo, of: imported, for: alice) else {
            Issue.record("no CKA_PUBLIC_KEY_INFO"); return
        }
        // A P-256 SubjectPublicKeyInfo is a 91-byte DER SEQUENCE ending in the uncompressed point.
        #expect(info.count == 91 && info.first == 0x30 && info[info.count - 65] == 0x04)
        let registry = try StateFixture.crypto.mechanisms()
        let signingKey = try f.machine.key(imported, for: .sign, mechanism: .ecdsaSHA256, by: alice)
        let signature = try registry.signature(.ecdsaSHA256).sign([1, 2, 3], key: signingKey, parameters: .none)
        try registry.signature(.ecdsaSHA256).verify(signature, for: [1, 2, 3], key: signingKey, parameters: .none)
        #expect(throws: StateError.model(.attributeSensitive(.value))) { try f.machine.attributeValue(.value, of: imported, for: alice) }
        // A scalar that is not a valid P-256 private key (zero) is refused, and an ML-DSA private key cannot be imported.
        var zero = privateTemplate
        zero[.value] = .bytes(Array(repeating: 0, count: 32))
        await #expect(throws: StateError.self) { try await f.machine.createObject(zero, by: alice) }
    }

    @Test(arguments: StateBackend.allCases)
    func sealedServesNothingAndUnsealRestoresEverything(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let aes = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "k"), by: alice)
        let (pub, priv) = StateFixture.ecTemplates(label: "ec")
        let pair = try await f.machine.generateKeyPair(mechanism: .ecKeyPairGen, publicTemplate: pub, privateTemplate: priv, by: alice)
        let before = try f.machine.key(pair.publicKey, for: .verify, mechanism: .ecdsa, by: alice)

        f.machine.seal()
        #expect(f.machine.status == .sealed(given: 0, threshold: 2))
        #expect(throws: StateError.sealed) { try f.machine.user(named: "alice") }
        await #expect(throws: StateError.sealed) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "x"), by: alice)
        }

        // A second machine over the same store, as after a restart: too few shares, a wrong one, then enough.
        let restarted = try await StateMachine(store: f.store, crypto: StateFixture.crypto, passwordCost: StateFixture.cheapCost)
        #expect(restarted.status == .sealed(given: 0, threshold: 2))
        #expect(try await restarted.unseal(shareText: f.shares[0].text()) == .sealed(given: 1, threshold: 2))
        let other = try Initializer.initialize(threshold: 2, shares: 3)
        await #expect(throws: StateError.self) { try await restarted.unseal(shareText: other.shares[1].text()) }
        #expect(restarted.status == .sealed(given: 1, threshold: 2))
        #expect(try await restarted.unseal(shareText: f.shares[2].text()) == .unsealed)

        let user = try restarted.user(named: "alice")
        #expect(try restarted.object(aes, for: user).object.label == "k")
        let after = try restarted.key(pair.publicKey, for: .verify, mechanism: .ecdsa, by: user)
        guard case .publicKey(let a) = before, case .publicKey(let b) = after else { Issue.record("not public keys"); return }
        #expect(a.serialized == b.serialized)
        #expect(restarted.corruptRecordKeys.isEmpty)
    }

    @Test(arguments: StateBackend.allCases)
    func aTamperedRecordFailsToOpenAndIsReported(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let first = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "a"), by: alice)
        let second = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "b"), by: alice)
        f.machine.seal()

        // Flip one byte of the first record, and copy the second record's sealed value over a third key.
        let firstKey = RecordKey.object(first)
        guard var sealed = try await f.store.get(firstKey, at: nil)?.value,
            let copied = try await f.store.get(RecordKey.object(second), at: nil)?.value
        else { Issue.record("records missing"); return }
        sealed[sealed.count / 2] ^= 0x01
        let movedKey = RecordKey.object(12345)
        _ = try await f.store.transact(
            compare: [], success: [.put(key: firstKey, value: sealed), .put(key: movedKey, value: copied)], failure: [])

        let restarted = try await StateMachine(store: f.store, crypto: StateFixture.crypto, passwordCost: StateFixture.cheapCost)
        try await restarted.unseal(shareText: f.shares[0].text())
        try await restarted.unseal(shareText: f.shares[1].text())
        #expect(restarted.corruptRecordKeys == [firstKey, movedKey])
        let user = try restarted.user(named: "alice")
        #expect(throws: StateError.objectHandleInvalid) { try restarted.object(first, for: user) }
        #expect(throws: StateError.objectHandleInvalid) { try restarted.object(12345, for: user) }
        #expect(try restarted.object(second, for: user).object.label == "b")
    }

    @Test func initializingTwiceIsRefused() async throws {
        let f = try await StateFixture.make(.memory)
        await #expect(throws: StateError.alreadyInitialized) {
            try await f.machine.initialize(threshold: 1, shares: 1, adminName: "x", adminPassword: SecretBytes(Array("password1".utf8)))
        }
    }

    @Test func writesOnOneMachineReachAnotherThroughTheWatch() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        let peer = try await StateMachine(store: f.store, crypto: StateFixture.crypto, passwordCost: StateFixture.cheapCost)
        try await peer.unseal(shareText: f.shares[0].text())
        try await peer.unseal(shareText: f.shares[1].text())
        let aes = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "w"), by: alice)
        let revision = f.machine.revision
        try await peer.waitForIndex(revision)
        #expect(try peer.object(aes, for: alice).object.label == "w")
    }
}

@Suite struct SystemRecordTests {
    @Test(arguments: StateBackend.allCases)
    func systemRecordsAreSealedReplicatedAndCreatedOnce(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        #expect(try f.machine.systemRecord("ca") == nil)
        #expect(try await f.machine.putSystemRecord("ca", value: SecretBytes(Array("first".utf8)), onlyIfAbsent: true))
        #expect(try await f.machine.putSystemRecord("ca", value: SecretBytes(Array("second".utf8)), onlyIfAbsent: true) == false)
        #expect(try f.machine.systemRecord("ca")?.unsafeCopy == Array("first".utf8))
        f.machine.seal()
        #expect(throws: StateError.sealed) { try f.machine.systemRecord("ca") }
        let restarted = try await StateMachine(store: f.store, crypto: StateFixture.crypto, passwordCost: StateFixture.cheapCost)
        try await restarted.unseal(shareText: f.shares[1].text())
        try await restarted.unseal(shareText: f.shares[2].text())
        #expect(try restarted.systemRecord("ca")?.unsafeCopy == Array("first".utf8))
    }
}
