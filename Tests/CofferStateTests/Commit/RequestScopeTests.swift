// A call that creates token objects, sent again under the same request id (its node died before it
// answered), makes nothing new: the repeat names the objects the first attempt made, on the same node
// or on a peer. Different ids, or another user's, make new objects; a transaction whose answer was
// lost is tried again by the node itself and lands once.

import CofferModel
import CofferStoreMemory
import Testing
@testable import CofferState

@Suite struct RequestScopeTests {
    static let idA = [UInt8](repeating: 0xA1, count: 16)
    static let idB = [UInt8](repeating: 0xB2, count: 16)

    /// Runs `body` as the request `id` of `user`, as the server does for a call with a request id.
    static func asRequest<T>(_ id: [UInt8], of user: User, _ body: () async throws -> T) async throws -> T {
        try await RequestScope.$current.withValue(try RequestScope(id: id, user: user.id)) { try await body() }
    }

    static func labelled(_ label: String, on machine: StateMachine, for user: User) throws -> [ObjectHandle] {
        try machine.find(AttributeSet([(.label, .string(label))]), for: user)
    }

    @Test func aRepeatedKeyGenerationNamesTheFirstKey() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        let template = StateFixture.aesTemplate(label: "once")
        let first = try await Self.asRequest(Self.idA, of: alice) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: template, by: alice)
        }
        let again = try await Self.asRequest(Self.idA, of: alice) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: template, by: alice)
        }
        #expect(again == first)
        #expect(try Self.labelled("once", on: f.machine, for: alice) == [first])
        // Another id is another key.
        let other = try await Self.asRequest(Self.idB, of: alice) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: template, by: alice)
        }
        #expect(other != first)
        #expect(Set(try Self.labelled("once", on: f.machine, for: alice)) == [first, other])
    }

    /// An encapsulation draws a new secret each time, so a repeat under one id makes a second key
    /// with its own ciphertext (never the first key with a ciphertext that does not open to it); a
    /// decapsulation is the same every time and a repeat names the first key.
    @Test func aRepeatedEncapsulationMakesItsOwnKeyAndARepeatedDecapsulationNamesTheFirst() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        let pair = try await f.machine.generateKeyPair(
            mechanism: .mlKEMKeyPairGen,
            publicTemplate: AttributeSet([(.token, .bool(true)), (.parameterSet, .ulong(2)), (.encapsulate, .bool(true))]),
            privateTemplate: AttributeSet([(.token, .bool(true)), (.decapsulate, .bool(true))]), by: alice)
        let template = AttributeSet([
            (.token, .bool(true)), (.sensitive, .bool(false)), (.extractable, .bool(true)), (.label, .string("kem")),
        ])
        func value(_ handle: ObjectHandle) throws -> AttributeValue { try f.machine.attributeValue(.value, of: handle, for: alice) }
        let first = try await Self.asRequest(Self.idA, of: alice) {
            try await f.machine.encapsulateKey(mechanism: .mlKEM, publicKey: pair.publicKey, template: template, by: alice)
        }
        let again = try await Self.asRequest(Self.idA, of: alice) {
            try await f.machine.encapsulateKey(mechanism: .mlKEM, publicKey: pair.publicKey, template: template, by: alice)
        }
        #expect(again.handle != first.handle)
        #expect(again.ciphertext != first.ciphertext)
        let opened = try await Self.asRequest(Self.idB, of: alice) {
            try await f.machine.decapsulateKey(
                mechanism: .mlKEM, privateKey: pair.privateKey, ciphertext: again.ciphertext, template: template, by: alice)
        }
        let openedAgain = try await Self.asRequest(Self.idB, of: alice) {
            try await f.machine.decapsulateKey(
                mechanism: .mlKEM, privateKey: pair.privateKey, ciphertext: again.ciphertext, template: template, by: alice)
        }
        #expect(openedAgain == opened)
        #expect(try value(opened) == value(again.handle))
        #expect(try value(opened) != value(first.handle))
        #expect(Set(try Self.labelled("kem", on: f.machine, for: alice)) == [first.handle, again.handle, opened])
    }

    @Test func aRepeatedKeyPairGenerationOnAPeerNamesTheFirstPair() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        let (publicTemplate, privateTemplate) = StateFixture.ecTemplates(label: "pair")
        let first = try await Self.asRequest(Self.idA, of: alice) {
            try await f.machine.generateKeyPair(
                mechanism: .ecKeyPairGen, publicTemplate: publicTemplate, privateTemplate: privateTemplate, by: alice)
        }
        let peer = try await f.peer()
        try await peer.waitForIndex(f.machine.revision)
        let again = try await Self.asRequest(Self.idA, of: alice) {
            try await peer.generateKeyPair(
                mechanism: .ecKeyPairGen, publicTemplate: publicTemplate, privateTemplate: privateTemplate, by: alice)
        }
        #expect(again.publicKey == first.publicKey)
        #expect(again.privateKey == first.privateKey)
        #expect(Set(try Self.labelled("pair", on: peer, for: alice)) == [first.publicKey, first.privateKey])
    }

    @Test func aRepeatOnAPeerThatHasNotCaughtUpStillMakesNothingNew() async throws {
        let base = MemoryStateStore()
        let f = try await StateFixture.make(store: base)
        let alice = try await f.cryptoUser("alice")
        let flaky = FlakyStore(base: base)
        let peer = try await StateMachine(store: flaky, crypto: StateFixture.crypto, passwordCost: StateFixture.cheapCost)
        try await peer.unseal(shareText: f.shares[0].text())
        try await peer.unseal(shareText: f.shares[1].text())
        try await peer.waitForIndex(f.machine.revision)
        // The peer does not hear of the first attempt before the repeat reaches it: its write loses the
        // race on the handle, and it answers with the key once its index has caught up.
        flaky.breakWatches()
        let template = StateFixture.aesTemplate(label: "late")
        let first = try await Self.asRequest(Self.idA, of: alice) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: template, by: alice)
        }
        flaky.restoreWatches()
        let again = try await Self.asRequest(Self.idA, of: alice) {
            try await peer.generateKey(mechanism: .aesKeyGen, template: template, by: alice)
        }
        #expect(again == first)
        #expect(try Self.labelled("late", on: f.machine, for: alice) == [first])
    }

    @Test func anotherUsersRequestWithTheSameIdMakesItsOwnKey() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        let bob = try await f.cryptoUser("bob")
        let template = StateFixture.aesTemplate(label: "mine")
        let ofAlice = try await Self.asRequest(Self.idA, of: alice) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: template, by: alice)
        }
        let ofBob = try await Self.asRequest(Self.idA, of: bob) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: template, by: bob)
        }
        #expect(ofAlice != ofBob)
        #expect(try Self.labelled("mine", on: f.machine, for: bob) == [ofBob])
        #expect(try Self.labelled("mine", on: f.machine, for: alice) == [ofAlice])
    }

    @Test func aRequestIdOfTheWrongLengthIsRefused() throws {
        #expect(throws: StateError.requestIDInvalid) { try RequestScope(id: [UInt8](repeating: 1, count: 8), user: UserID(rawValue: 1)) }
        #expect(throws: StateError.requestIDInvalid) { try RequestScope(id: [UInt8](repeating: 1, count: 65), user: UserID(rawValue: 1)) }
        #expect(try RequestScope(id: [], user: UserID(rawValue: 1)) == nil)
        #expect(try RequestScope(id: [UInt8](repeating: 1, count: 64), user: UserID(rawValue: 1)) != nil)
    }

    @Test func aLostAnswerIsTriedAgainByTheNodeAndLandsOnce() async throws {
        let base = MemoryStateStore()
        let flaky = FlakyStore(base: base)
        let f = try await StateFixture.make(store: flaky)
        let alice = try await f.cryptoUser("alice")
        flaky.loseAnswers(1)
        let key = try await Self.asRequest(Self.idA, of: alice) {
            try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "lost"), by: alice)
        }
        #expect(try Self.labelled("lost", on: f.machine, for: alice) == [key])
    }

    @Test func withoutARequestIdALostAnswerIsReportedAsUnavailable() async throws {
        let base = MemoryStateStore()
        let flaky = FlakyStore(base: base)
        let f = try await StateFixture.make(store: flaky)
        let alice = try await f.cryptoUser("alice")
        flaky.loseAnswers(1)
        await #expect {
            _ = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "unknown"), by: alice)
        } throws: { error in
            guard case StateError.unavailable = error else { return false }
            return true
        }
    }
}
