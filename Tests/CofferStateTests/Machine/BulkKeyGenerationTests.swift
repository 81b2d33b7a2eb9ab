// StateMachine.generateKeys over each store: the keys are ordinary token keys (findable by their
// numbered labels, usable), one transaction per call, and every bad input has its CKR.

import CofferCrypto
import CofferModel
import Testing
@testable import CofferState

@Suite struct BulkKeyGenerationTests {
    /// An AES template without a label (the prefix names the keys).
    static func template(_ extra: [(AttributeType, AttributeValue)] = []) -> AttributeSet {
        AttributeSet(
            [
                (.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.keyType, .ulong(KeyType.aes.rawValue)),
                (.valueLen, .ulong(32)), (.token, .bool(true)), (.encrypt, .bool(true)),
            ] + extra)
    }

    @Test(arguments: StateBackend.allCases)
    func keysAreFindableUsableAndWrittenInOneTransaction(_ backend: StateBackend) async throws {
        let f = try await StateFixture.make(backend)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let before = try await f.store.currentRevision()
        let handles = try await f.machine.generateKeys(
            mechanism: .aesKeyGen, template: Self.template(), count: 50, labelPrefix: "bulk-", firstNumber: 100, by: alice)
        #expect(try await f.store.currentRevision() == before + 1)
        #expect(handles.count == 50)
        #expect(Set(handles).count == 50)
        for i in [0, 17, 49] {
            let found = try f.machine.find(AttributeSet([(.label, .string("bulk-\(100 + i)"))]), for: alice)
            #expect(found == [handles[i]])
            let entry = try f.machine.object(handles[i], for: alice)
            #expect(entry.object.owner == alice.id)
            #expect(entry.object.attributes.bool(.local) == true)
            #expect(entry.object.attributes.bool(.sensitive) == true)
        }
        #expect(try f.machine.find(AttributeSet([(.label, .string("bulk-99"))]), for: alice).isEmpty)
        // The keys work, and differ from each other.
        let block = [UInt8](repeating: 7, count: 16)
        let cipher = try StateFixture.crypto.mechanisms().cipher(.aesECB)
        let first = try cipher.encrypt(block, key: f.machine.key(handles[0], for: .encrypt, mechanism: .aesECB, by: alice), parameters: .none)
        let second = try cipher.encrypt(block, key: f.machine.key(handles[1], for: .encrypt, mechanism: .aesECB, by: alice), parameters: .none)
        #expect(first != second)
        // Other crypto-users do not see them.
        let bob = try await f.cryptoUser("bob")
        #expect(try f.machine.find(AttributeSet([(.label, .string("bulk-100"))]), for: bob).isEmpty)
    }

    @Test func withoutPrefixEveryKeyKeepsTheTemplateLabel() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        let handles = try await f.machine.generateKeys(
            mechanism: .aesKeyGen, template: Self.template([(.label, .string("same"))]), count: 3, by: alice)
        #expect(try f.machine.find(AttributeSet([(.label, .string("same"))]), for: alice) == handles.sorted())
    }

    @Test func countBounds() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        for count in [0, -1, StateMachine.maxKeysPerGeneration + 1] {
            await #expect(throws: StateError.model(.argumentsBad("count must be 1 to 1000, not \(count)"))) {
                try await f.machine.generateKeys(mechanism: .aesKeyGen, template: Self.template(), count: count, by: alice)
            }
        }
        await #expect(throws: StateError.model(.argumentsBad("label numbers overflow"))) {
            try await f.machine.generateKeys(
                mechanism: .aesKeyGen, template: Self.template(), count: 2, labelPrefix: "x", firstNumber: .max - 1, by: alice)
        }
        let handles = try await f.machine.generateKeys(
            mechanism: .aesKeyGen, template: Self.template(), count: StateMachine.maxKeysPerGeneration, labelPrefix: "k", by: alice)
        #expect(handles.count == 1000)
    }

    @Test func badTemplatesHaveTheirCKR() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        func code(_ template: AttributeSet, prefix: String? = "x", mechanism: MechanismType = .aesKeyGen, by user: User? = nil) async -> ReturnCode? {
            do {
                _ = try await f.machine.generateKeys(mechanism: mechanism, template: template, count: 2, labelPrefix: prefix, by: user ?? alice)
                return nil
            } catch {
                return error.returnCode
            }
        }
        let noToken = AttributeSet(Self.template().filter { $0.type != .token }.map { ($0.type, $0.value) })
        #expect(await code(noToken) == .templateIncomplete)
        #expect(await code(Self.template().merging(AttributeSet([(.token, .bool(false))]))) == .templateInconsistent)
        #expect(await code(Self.template([(.label, .string("l"))])) == .templateInconsistent)
        #expect(await code(Self.template([(.valueLen, .ulong(7))])) == .keySizeRange)
        #expect(await code(Self.template([(.keyType, .ulong(KeyType.ec.rawValue))])) == .templateInconsistent)
        #expect(await code(Self.template([(.modulus, .bytes([1]))])) == .templateInconsistent)
        #expect(await code(Self.template(), mechanism: .ecKeyPairGen) == .mechanismInvalid)
        #expect(await code(Self.template(), by: f.admin) == .userNotLoggedIn)
        // Nothing was written by the refused calls.
        #expect(try f.machine.find(AttributeSet([(.label, .string("x0"))]), for: alice).isEmpty)
    }
}
