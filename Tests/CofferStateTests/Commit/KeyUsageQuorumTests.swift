// A key's key-usage quorum in the state machine (issue 14, docs/quorum.md): every use of the key
// needs a consumed token for exactly that use; the key cannot be copied, wrapped out or digested;
// only the key's users approve, and an approval stops counting once its approver loses the key.

import CofferCrypto
import CofferModel
import Crypto
import Foundation
import Testing
@testable import CofferState

@Suite struct KeyUsageQuorumStateTests {
    static func approve(_ f: StateFixture, _ token: QuorumToken, _ key: P256.Signing.PrivateKey, by user: User) async throws {
        let signature = try key.signature(for: Data(token.signedText.utf8)).derRepresentation.base64EncodedString()
        _ = try await f.machine.approveQuorum(token.id, signature: signature, by: user)
    }

    static func isQuorumRefusal(_ error: any Error, _ text: String) -> Bool {
        guard case StateError.quorum(let reason) = error else { return false }
        return reason.contains(text)
    }

    @Test func aGuardedKeyIsUsedOnlyWithAConsumedTokenForThatUse() async throws {
        let (store, folder) = try StateFixture.makeStore(.memory)
        let f = try await StateFixture.make(store: store, folder: folder, participants: [QuorumParticipant()])
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let bob = try await f.cryptoUser("bob")
        let carol = try await f.cryptoUser("carol")
        var keys: [String: P256.Signing.PrivateKey] = [:]
        for user in [alice, bob, carol] {
            let key = P256.Signing.PrivateKey()
            keys[user.name] = key
            try await f.machine.registerApprovalKey(Array(key.publicKey.derRepresentation), by: user)
        }
        let handle = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "k", extractable: true), by: alice)
        let kek = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateMachineKeyManagementTests.wrappingTemplate(), by: alice)
        try await f.machine.share(handle, with: bob.id, by: alice)

        // Only the owner sets it, and only as high as the key's users with approval keys can meet.
        await #expect(throws: StateError.self) { try await f.machine.setKeyQuorum(handle, approvals: 1, by: bob) }
        await #expect { try await f.machine.setKeyQuorum(handle, approvals: 3, by: alice) } throws: {
            Self.isQuorumRefusal($0, "could never be met")
        }
        try await f.machine.setKeyQuorum(handle, approvals: 2, by: alice)
        #expect(f.machine.keyQuorum(handle) == 2 && f.machine.keyQuorum(kek) == 0)

        // Unapproved: no use, no copy, no wrapping out, no digest. The unguarded key still works.
        #expect { try StateMachineKeyManagementTests.encryptBlock(f, handle, by: alice) } throws: {
            Self.isQuorumRefusal($0, "needs 2 approvals for each use")
        }
        await #expect { try await f.machine.copyObject(handle, template: AttributeSet(), by: alice) } throws: {
            Self.isQuorumRefusal($0, "a copy would be the same key")
        }
        #expect { try f.machine.wrapKey(mechanism: .aesKeyWrap, parameters: .none, wrappingKey: kek, key: handle, by: alice) } throws: {
            Self.isQuorumRefusal($0, "wrapped out")
        }
        #expect { try f.machine.digestibleKeyValue(handle, by: alice) } throws: { Self.isQuorumRefusal($0, "C_DigestKey") }
        _ = try StateMachineKeyManagementTests.encryptBlock(f, kek, by: alice)

        // carol cannot approve (the key is not hers); alice and bob can.
        let token = try await f.machine.requestQuorum(
            service: .keyUsage, operation: "use-key handle=\(handle) operation=encrypt", cluster: "test", by: alice)
        await #expect { try await Self.approve(f, token, keys["carol"]!, by: carol) } throws: {
            Self.isQuorumRefusal($0, "carol is neither")
        }
        try await Self.approve(f, token, keys["alice"]!, by: alice)
        try await Self.approve(f, token, keys["bob"]!, by: bob)
        let approved = try f.machine.quorumToken(token.id)
        #expect(f.machine.validApprovers(of: approved).sorted() == ["alice", "bob"])

        // Without the token, the use is refused and nothing is consumed.
        await #expect { try await f.machine.consumeApproval(for: .useKey(handle, .encrypt), by: alice) } throws: {
            Self.isQuorumRefusal($0, "needs 2 approvals")
        }
        // A token for encrypt does not allow decrypt.
        await #expect { try await QuorumContext.$token.withValue(token.id) { try await f.machine.consumeApproval(for: .useKey(handle, .decrypt), by: alice) } }
            throws: { Self.isQuorumRefusal($0, "approves another operation") }
        try await QuorumContext.$token.withValue(token.id) { try await f.machine.consumeApproval(for: .useKey(handle, .encrypt), by: alice) }
        #expect(try f.machine.quorumToken(token.id).usedAt != nil)
        let use = Command.useKey(handle, .encrypt)
        let encrypted = try QuorumContext.$approvedCommand.withValue(use) { try StateMachineKeyManagementTests.encryptBlock(f, handle, by: alice) }
        #expect(encrypted.count == 16)
        // The approval is for one operation on one key.
        #expect(throws: StateError.self) {
            try QuorumContext.$approvedCommand.withValue(use) {
                _ = try f.machine.key(handle, for: .decrypt, mechanism: .aesECB, by: alice)
            }
        }
        await #expect { try await QuorumContext.$token.withValue(token.id) { try await f.machine.consumeApproval(for: .useKey(handle, .encrypt), by: alice) } }
            throws: { Self.isQuorumRefusal($0, "was used already") }
        #expect(try f.machine.keyQuorums(visibleTo: alice).map(\.quorum.uses) == [1])

        // A token naming the data approves the use on that data only: refused for other data and
        // for a call that shows none (a multi-part start), each leaving it unspent.
        let data = Array("the approved document".utf8)
        let digest = Array(SHA256.hash(data: data))
        let hex = digest.map { String(format: "%02x", $0) }.joined()
        let named = try await f.machine.requestQuorum(
            service: .keyUsage, operation: "use-key handle=\(handle) operation=encrypt sha256=\(hex)", cluster: "test", by: alice)
        try await Self.approve(f, named, keys["alice"]!, by: alice)
        try await Self.approve(f, named, keys["bob"]!, by: bob)
        func useNamed(_ shown: [UInt8]?) async throws {
            try await QuorumContext.$token.withValue(named.id) {
                try await QuorumContext.$dataSHA256.withValue(shown) { try await f.machine.consumeApproval(for: use, by: alice) }
            }
        }
        await #expect { try await useNamed(Array(SHA256.hash(data: Array("another document".utf8)))) } throws: {
            Self.isQuorumRefusal($0, "on other data")
        }
        await #expect { try await useNamed(nil) } throws: { Self.isQuorumRefusal($0, "on named data only") }
        #expect(try f.machine.quorumToken(named.id).usedAt == nil)
        try await useNamed(digest)
        #expect(try f.machine.quorumToken(named.id).usedAt != nil)
        await #expect(throws: StateError.self) { try await f.machine.command(forOperation: "use-key handle=\(handle) operation=encrypt sha256=abc") }

        // Once bob loses the key, his approval stops counting; lowering the quorum then falls short.
        let lowering = try await f.machine.requestQuorum(
            service: .keyUsage, operation: "set-key-quorum handle=\(handle) approvals=0", cluster: "test", by: alice)
        try await Self.approve(f, lowering, keys["alice"]!, by: alice)
        try await Self.approve(f, lowering, keys["bob"]!, by: bob)
        try await f.machine.unshare(handle, from: bob.id, by: alice)
        await #expect { try await QuorumContext.$token.withValue(lowering.id) { try await f.machine.setKeyQuorum(handle, approvals: 0, by: alice) } }
            throws: { Self.isQuorumRefusal($0, "1 valid approval of the 2") }
        #expect(f.machine.keyQuorum(handle) == 2)
    }

    /// C_WrapKey, C_UnwrapKey and a user's backup commit nothing themselves; with a key-management or
    /// backup quorum each runs only once a token for exactly it is consumed. The node's own backup
    /// schedule is not guarded.
    @Test func wrapUnwrapAndBackupsNeedTheirServicesApprovals() async throws {
        let (store, folder) = try StateFixture.makeStore(.memory)
        let f = try await StateFixture.make(store: store, folder: folder, participants: [QuorumParticipant()])
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let bob = try await f.cryptoUser("bob")
        var keys: [String: P256.Signing.PrivateKey] = [:]
        for user in [alice, bob, f.admin] {
            let key = P256.Signing.PrivateKey()
            keys[user.name] = key
            try await f.machine.registerApprovalKey(Array(key.publicKey.derRepresentation), by: user)
        }
        let kek = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateMachineKeyManagementTests.wrappingTemplate(), by: alice)
        let out = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "out", extractable: true), by: alice)
        try await f.machine.setQuorum(.keyManagement, approvals: 1, by: f.admin)
        try await f.machine.setQuorum(.backup, approvals: 1, by: f.admin)
        func wrap() throws -> [UInt8] {
            try f.machine.wrapKey(mechanism: .aesKeyWrap, parameters: .none, wrappingKey: kek, key: out, by: alice)
        }
        #expect { try wrap() } throws: { Self.isQuorumRefusal($0, "export-key needs 1 approval (key-management)") }
        let export = try await f.machine.requestQuorum(
            service: .keyManagement, operation: "export-key handle=\(out) wrapping=\(kek)", cluster: "test", by: alice)
        try await Self.approve(f, export, keys["bob"]!, by: bob)
        // A token for another key's export does not approve this one.
        let other = Command.exportKey(kek, wrappingKey: kek)
        #expect(throws: StateError.self) { try QuorumContext.$approvedCommand.withValue(other) { try wrap() } }
        try await QuorumContext.$token.withValue(export.id) {
            try await f.machine.consumeApproval(for: .exportKey(out, wrappingKey: kek), by: alice)
        }
        let wrapped = try QuorumContext.$approvedCommand.withValue(.exportKey(out, wrappingKey: kek)) { try wrap() }
        #expect(wrapped.count == 40)

        let template = StateMachineKeyManagementTests.secretTemplate([(.encrypt, .bool(true)), (.label, .string("in"))])
        func unwrap() async throws -> ObjectHandle {
            try await f.machine.unwrapKey(
                mechanism: .aesKeyWrap, parameters: .none, unwrappingKey: kek, wrappedKey: wrapped, template: template, by: alice)
        }
        await #expect { try await unwrap() } throws: { Self.isQuorumRefusal($0, "import-key needs 1 approval") }
        let imported = try await QuorumContext.$approvedCommand.withValue(.importKey(unwrappingKey: kek)) { try await unwrap() }
        #expect(try f.machine.object(imported, for: alice).object.label == "in")

        func backup(by user: User?) async throws -> ExportSummary {
            try await f.machine.exportRecords(by: user, counted: { _ in }, { _ in })
        }
        await #expect { try await backup(by: f.admin) } throws: { Self.isQuorumRefusal($0, "create-backup needs 1 approval (backup)") }
        #expect(try await backup(by: nil).records > 0)
        let approved = try await QuorumContext.$approvedCommand.withValue(.createBackup) { try await backup(by: f.admin) }
        #expect(approved.records > 0)
    }
}
