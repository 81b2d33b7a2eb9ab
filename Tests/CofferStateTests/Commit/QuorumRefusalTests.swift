// Every guarded service refuses what falls short of its quorum (issue 14's "Done when", docs/quorum.md):
// M-1 approvals, a second approval by the same approver, an expired token, approvals for another
// operation and a token used already, each leaving the token unspent; M approvals for exactly the
// operation are consumed once. The check is the one participant every guarded command passes.

import CofferModel
import Crypto
import Foundation
import Testing
@testable import CofferState

@Suite struct QuorumRefusalTests {
    static let services: [GuardedService] = [.userManagement, .keyManagement, .backup, .quorum, .cluster]

    @Test(arguments: services)
    func aServiceRefusesEveryShortfallAndChangesNothing(_ service: GuardedService) async throws {
        let (store, folder) = try StateFixture.makeStore(.memory)
        let f = try await StateFixture.make(store: store, folder: folder, participants: [QuorumParticipant()])
        defer { f.cleanUp() }
        // Two approvers of the service's role, each with a registered key; the first requests.
        let approvers: [User]
        if service.approverRole == .admin {
            let ann = try await f.machine.createUser(name: "ann", role: .admin, password: StateFixture.password("ann"), by: f.admin)
            approvers = [f.admin, ann]
        } else {
            approvers = [try await f.cryptoUser("alice"), try await f.cryptoUser("bob")]
        }
        var keys: [UserID: P256.Signing.PrivateKey] = [:]
        for user in approvers {
            let key = P256.Signing.PrivateKey()
            keys[user.id] = key
            try await f.machine.registerApprovalKey(Array(key.publicKey.derRepresentation), by: user)
        }
        let requester = approvers[0]
        let (operation, another): (String, String)
        switch service {
        case .userManagement: (operation, another) = ("create-user name=zed role=crypto-user", "create-user name=yan role=crypto-user")
        case .keyManagement:
            let kept = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "kept"), by: requester)
            let other = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "other"), by: requester)
            (operation, another) = ("destroy-object handle=\(kept)", "destroy-object handle=\(other)")
        case .backup: (operation, another) = ("create-backup", "restore-object handle=1")
        case .quorum: (operation, another) = ("set-quorum service=backup approvals=1", "set-quorum service=backup approvals=2")
        case .cluster:
            let digest = String(repeating: "ab", count: 32)
            (operation, another) = ("set-binary-allowed sha256=\(digest) allowed=true", "set-binary-allowed sha256=\(digest) allowed=false")
        case .keyUsage: Issue.record("key-usage quorums are per key (KeyUsageQuorumStateTests)"); return
        }
        try await f.machine.setQuorum(service, approvals: 2, by: f.admin)
        let command = try f.machine.command(forOperation: operation)
        #expect(f.machine.approvalsNeeded(for: command) == 2)

        func request(_ text: String, at now: Date = Date()) async throws -> QuorumToken {
            try await f.machine.requestQuorum(service: service, operation: text, cluster: "test", by: requester, now: now)
        }
        func approve(_ token: QuorumToken, by user: User, at now: Date = Date()) async throws {
            let signature = try keys[user.id]!.signature(for: Data(token.signedText.utf8)).derRepresentation.base64EncodedString()
            _ = try await f.machine.approveQuorum(token.id, signature: signature, by: user, now: now)
        }
        func use(_ token: QuorumToken?) async throws {
            try await QuorumContext.$token.withValue(token?.id) { try await f.machine.consumeApproval(for: command, by: requester) }
        }
        func refused(_ token: QuorumToken?, saying text: String, sourceLocation: SourceLocation = #_sourceLocation) async {
            await #expect(sourceLocation: sourceLocation) { try await use(token) } throws: {
                guard case StateError.quorum(let reason) = $0 else { return false }
                return reason.contains(text)
            }
            if let token { #expect((try? f.machine.quorumToken(token.id).usedAt) == .some(nil), "a refused token stays unspent", sourceLocation: sourceLocation) }
        }

        await refused(nil, saying: "needs 2 approvals")
        // M-1, and the same approver twice (refused when given, so it never counts).
        let short = try await request(operation)
        try await approve(short, by: approvers[0])
        await #expect { try await approve(short, by: approvers[0]) } throws: {
            ($0 as? StateError).map { "\($0)".contains("already") } ?? false
        }
        await refused(short, saying: "1 valid approval of the 2")
        // Expired: approved while it was valid.
        let past = Date().addingTimeInterval(-3600)
        let expired = try await request(operation, at: past)
        for user in approvers { try await approve(expired, by: user, at: past.addingTimeInterval(60)) }
        await refused(expired, saying: "expired")
        // Approvals for another operation of the same service.
        let other = try await request(another)
        for user in approvers { try await approve(other, by: user) }
        await refused(other, saying: "approves another operation")
        // M approvals for exactly this operation: consumed once.
        let token = try await request(operation)
        for user in approvers { try await approve(token, by: user) }
        #expect(f.machine.validApprovers(of: try f.machine.quorumToken(token.id)).count == 2)
        try await use(token)
        #expect(try f.machine.quorumToken(token.id).usedAt != nil)
        await #expect { try await use(token) } throws: {
            guard case StateError.quorum(let reason) = $0 else { return false }
            return reason.contains("was used already")
        }
    }

    /// A guarded command that would change nothing (the binary is allowed already) is no way round
    /// its quorum: refused without a token and with a used one; with its approvals it runs and spends
    /// the token.
    @Test func aCommandThatChangesNothingStillNeedsItsApprovals() async throws {
        let (store, folder) = try StateFixture.makeStore(.memory)
        let f = try await StateFixture.make(store: store, folder: folder, participants: [QuorumParticipant()])
        defer { f.cleanUp() }
        let ann = try await f.machine.createUser(name: "ann", role: .admin, password: StateFixture.password("ann"), by: f.admin)
        var keys: [UserID: P256.Signing.PrivateKey] = [:]
        for user in [f.admin, ann] {
            let key = P256.Signing.PrivateKey()
            keys[user.id] = key
            try await f.machine.registerApprovalKey(Array(key.publicKey.derRepresentation), by: user)
        }
        let digest = String(repeating: "cd", count: 32)
        let allowed = try await f.machine.setBinaryAllowed(digest, allowed: true, by: f.admin)
        try await f.machine.setQuorum(.cluster, approvals: 2, by: f.admin)
        func allow(_ token: QuorumToken?) async throws -> [String] {
            try await QuorumContext.$token.withValue(token?.id) { try await f.machine.setBinaryAllowed(digest, allowed: true, by: f.admin) }
        }
        func refused(_ token: QuorumToken?, saying text: String, sourceLocation: SourceLocation = #_sourceLocation) async {
            await #expect(sourceLocation: sourceLocation) { try await allow(token) } throws: {
                guard case StateError.quorum(let reason) = $0 else { return false }
                return reason.contains(text)
            }
        }
        await refused(nil, saying: "needs 2 approvals")
        let token = try await f.machine.requestQuorum(
            service: .cluster, operation: "set-binary-allowed sha256=\(digest) allowed=true", cluster: "test", by: f.admin)
        for user in [f.admin, ann] {
            let signature = try keys[user.id]!.signature(for: Data(token.signedText.utf8)).derRepresentation.base64EncodedString()
            _ = try await f.machine.approveQuorum(token.id, signature: signature, by: user)
        }
        #expect(try await allow(token) == allowed)
        #expect(try f.machine.quorumToken(token.id).usedAt != nil)
        await refused(token, saying: "was used already")
    }
}
