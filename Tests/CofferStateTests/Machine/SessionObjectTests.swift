// Session objects (CKA_TOKEN false): in memory only, visible to the login that made them, gone with
// their session or login, refused as token objects in a read-only session, never in the store.

import CofferCrypto
import CofferModel
import Foundation
import Testing
@testable import CofferState

@Suite struct SessionObjectTests {
    static func sessionAES(label: String, extractable: Bool = false) -> AttributeSet {
        var template = StateFixture.aesTemplate(label: label, extractable: extractable, sensitive: !extractable)
        template[.token] = .bool(false)
        return template
    }

    @Test func sessionObjectsWorkLikeTokenObjectsForTheirLogin() async throws {
        let f = try await StateFixture.make(.memory)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let first = SessionContext(session: 11, login: 1, readWrite: true)
        let second = SessionContext(session: 12, login: 1, readWrite: true)
        let otherLogin = SessionContext(session: 13, login: 2, readWrite: true)

        let sessionKey = try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.sessionAES(label: "s"), by: alice, in: first)
        let tokenKey = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "t"), by: alice, in: first)
        #expect(SessionObjectTable.isSessionObject(sessionKey))
        #expect(!SessionObjectTable.isSessionObject(tokenKey))
        #expect(f.machine.sessionObjectCount == 1)

        // Another session of the same login uses it; another login of the same user and a call without a session do not see it.
        _ = try f.machine.key(sessionKey, for: .encrypt, mechanism: .aesECB, by: alice, in: second)
        #expect(throws: StateError.keyHandleInvalid(.keyHandleInvalid)) {
            try f.machine.key(sessionKey, for: .encrypt, mechanism: .aesECB, by: alice, in: otherLogin)
        }
        #expect(throws: StateError.objectHandleInvalid) { try f.machine.object(sessionKey, for: alice) }
        #expect(try f.machine.attributeValue(.token, of: sessionKey, for: alice, in: second) == .bool(false))

        // Find returns both kinds to the login, token objects only to others.
        #expect(try f.machine.find(AttributeSet(), for: alice, in: second) == [tokenKey, sessionKey].sorted())
        #expect(try f.machine.find(AttributeSet(), for: alice, in: otherLogin) == [tokenKey])
        #expect(try f.machine.find(AttributeSet([(.label, .string("s"))]), for: alice, in: first) == [sessionKey])

        // Set attributes, copy both ways, destroy.
        try await f.machine.setAttributes(sessionKey, AttributeSet([(.label, .string("renamed"))]), by: alice, in: second)
        #expect(try f.machine.attributeValue(.label, of: sessionKey, for: alice, in: first) == .string("renamed"))
        let copyToToken = try await f.machine.copyObject(sessionKey, template: AttributeSet([(.token, .bool(true))]), by: alice, in: first)
        #expect(!SessionObjectTable.isSessionObject(copyToToken))
        let copyToSession = try await f.machine.copyObject(tokenKey, template: AttributeSet([(.token, .bool(false))]), by: alice, in: first)
        #expect(SessionObjectTable.isSessionObject(copyToSession))
        await #expect(throws: StateError.sessionObjectNotShareable) {
            try await f.machine.share(sessionKey, with: try await f.cryptoUser("bob").id, by: alice)
        }
        try await f.machine.destroy(copyToSession, by: alice, in: second)
        #expect(throws: StateError.objectHandleInvalid) { try f.machine.object(copyToSession, for: alice, in: first) }

        // Closing the session that made it destroys it; the token objects stay.
        #expect(f.machine.endSession(first.session) == 1)
        #expect(throws: StateError.objectHandleInvalid) { try f.machine.object(sessionKey, for: alice, in: second) }
        #expect(try f.machine.find(AttributeSet(), for: alice, in: second) == [tokenKey, copyToToken].sorted())
        #expect(f.machine.sessionObjectCount == 0)
    }

    @Test func endingALoginDestroysItsObjectsInEverySession() async throws {
        let f = try await StateFixture.make(.memory)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let a = SessionContext(session: 1, login: 7, readWrite: true)
        let b = SessionContext(session: 2, login: 7, readWrite: false)
        let other = SessionContext(session: 3, login: 8, readWrite: true)
        _ = try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.sessionAES(label: "a"), by: alice, in: a)
        _ = try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.sessionAES(label: "b"), by: alice, in: b)
        let kept = try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.sessionAES(label: "c"), by: alice, in: other)
        #expect(f.machine.endLogin(7) == 2)
        #expect(try f.machine.find(AttributeSet(), for: alice, in: other) == [kept])
        // Sealing drops session objects with the domain key.
        f.machine.seal()
        #expect(f.machine.sessionObjectCount == 0)
    }

    @Test func readOnlySessionsMakeSessionObjectsOnly() async throws {
        let f = try await StateFixture.make(.memory)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let readWrite = SessionContext(session: 1, login: 1, readWrite: true)
        let readOnly = SessionContext(session: 2, login: 1, readWrite: false)
        let token = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "t"), by: alice, in: readWrite)
        await #expect(throws: StateError.sessionReadOnly) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "t2"), by: alice, in: readOnly)
        }
        let (pub, priv) = StateFixture.ecTemplates(label: "ec")
        await #expect(throws: StateError.sessionReadOnly) {
            try await f.machine.generateKeyPair(mechanism: .ecKeyPairGen, publicTemplate: pub, privateTemplate: priv, by: alice, in: readOnly)
        }
        await #expect(throws: StateError.sessionReadOnly) {
            try await f.machine.setAttributes(token, AttributeSet([(.label, .string("x"))]), by: alice, in: readOnly)
        }
        await #expect(throws: StateError.sessionReadOnly) { try await f.machine.destroy(token, by: alice, in: readOnly) }
        await #expect(throws: StateError.sessionReadOnly) {
            try await f.machine.copyObject(token, template: AttributeSet([(.label, .string("c"))]), by: alice, in: readOnly)
        }
        // A read-only session makes, changes and destroys session objects.
        let session = try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.sessionAES(label: "s"), by: alice, in: readOnly)
        try await f.machine.setAttributes(session, AttributeSet([(.label, .string("s2"))]), by: alice, in: readOnly)
        let copy = try await f.machine.copyObject(token, template: AttributeSet([(.token, .bool(false))]), by: alice, in: readOnly)
        try await f.machine.destroy(copy, by: alice, in: readOnly)
        // A half-session pair: public key in the session, private key on the token, from a read-write session.
        var sessionPublic = pub
        sessionPublic[.token] = .bool(false)
        let pair = try await f.machine.generateKeyPair(
            mechanism: .ecKeyPairGen, publicTemplate: sessionPublic, privateTemplate: priv, by: alice, in: readWrite)
        #expect(SessionObjectTable.isSessionObject(pair.publicKey) && !SessionObjectTable.isSessionObject(pair.privateKey))
        // Without a session there is nowhere for a session object to live.
        await #expect(throws: StateError.noSession) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: Self.sessionAES(label: "n"), by: alice)
        }
    }

    @Test func sessionObjectsNeverReachTheStore() async throws {
        let f = try await StateFixture.make(.sqlite)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let context = SessionContext(session: 5, login: 5, readWrite: true)
        let token = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "t"), by: alice, in: context)
        let before = f.machine.revision
        let session = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: Self.sessionAES(label: "session-key-label", extractable: true), by: alice, in: context)
        let (pub, priv) = StateFixture.ecTemplates(label: "ec")
        var sessionPublic = pub
        sessionPublic[.token] = .bool(false)
        var sessionPrivate = priv
        sessionPrivate[.token] = .bool(false)
        let pair = try await f.machine.generateKeyPair(
            mechanism: .ecKeyPairGen, publicTemplate: sessionPublic, privateTemplate: sessionPrivate, by: alice, in: context)
        try await f.machine.setAttributes(session, AttributeSet([(.label, .string("renamed"))]), by: alice, in: context)
        // No write at all: the store's revision did not move, and no record exists under the handles.
        #expect(f.machine.revision == before)
        for handle in [session, pair.publicKey, pair.privateKey] {
            #expect(try await f.store.get(RecordKey.object(handle), at: nil) == nil)
        }
        guard case .bytes(let value) = try f.machine.attributeValue(.value, of: session, for: alice, in: context),
            case .privateKey(let privateKey) = try f.machine.key(pair.privateKey, for: .sign, mechanism: .ecdsa, by: alice, in: context)
        else { Issue.record("keys missing"); return }

        // The raw SQLite and WAL files hold neither the record keys nor the key bytes.
        let folder = try #require(f.folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let raw = try files.flatMap { [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))) }
        #expect(!raw.isEmpty)
        for handle in [session, pair.publicKey, pair.privateKey] {
            #expect(!NoPlaintextInStoreTests.contains(raw, RecordKey.object(handle)), "record key of \(handle) in the store")
        }
        #expect(!NoPlaintextInStoreTests.contains(raw, value))
        #expect(!NoPlaintextInStoreTests.contains(raw, Array(privateKey.serialized().unsafeCopy.suffix(16))))
        // The search works: the token object's record key (in the clear, like every store key) is found.
        #expect(NoPlaintextInStoreTests.contains(raw, RecordKey.object(token)))
    }
}
