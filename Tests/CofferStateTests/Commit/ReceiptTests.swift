// Changes that create nothing (destroy, attribute changes, shares), sent again under the same request
// id after their answer was lost, are not applied twice: the first attempt's receipt answers the
// repeat, on the same node or a peer, even when the change could not be made again (a destroyed
// object, an attribute made unmodifiable). Other ids and other users get no such answer, and old
// receipts are pruned.

import CofferModel
import CofferStoreMemory
import Foundation
import Testing
@testable import CofferState

@Suite struct ReceiptTests {
    static let idA = [UInt8](repeating: 0xC3, count: 16)
    static let idB = [UInt8](repeating: 0xD4, count: 16)

    static func asRequest<T>(_ id: [UInt8], of user: User, _ body: () async throws -> T) async throws -> T {
        try await RequestScopeTests.asRequest(id, of: user, body)
    }

    /// How many receipts the store holds.
    static func receipts(in store: any StateStore) async throws -> Int {
        try await store.range(prefix: RecordKey.receiptPrefix, startKey: nil, at: nil, limit: nil).keyValues.count
    }

    @Test func aRepeatedDestroyAnswersAsTheFirstOnAnyNode() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        let key = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "gone"), by: alice)
        try await Self.asRequest(Self.idA, of: alice) { try await f.machine.destroy(key, by: alice) }
        #expect(try await Self.receipts(in: f.store) == 1)
        // The repeat finds the receipt: success, though the object is gone, here and on a peer.
        try await Self.asRequest(Self.idA, of: alice) { try await f.machine.destroy(key, by: alice) }
        let peer = try await f.peer()
        try await Self.asRequest(Self.idA, of: alice) { try await peer.destroy(key, by: alice) }
        // Without the request, or under another id, the object is simply not there.
        await #expect(throws: StateError.objectHandleInvalid) { try await f.machine.destroy(key, by: alice) }
        await #expect(throws: StateError.objectHandleInvalid) {
            try await Self.asRequest(Self.idB, of: alice) { try await f.machine.destroy(key, by: alice) }
        }
        // Another user's request with the same id has no receipt.
        let bob = try await f.cryptoUser("bob")
        await #expect(throws: StateError.objectHandleInvalid) {
            try await Self.asRequest(Self.idA, of: bob) { try await f.machine.destroy(key, by: bob) }
        }
    }

    @Test func aLostAnswerToADestroyIsTriedAgainAndLandsOnce() async throws {
        let base = MemoryStateStore()
        let flaky = FlakyStore(base: base)
        let f = try await StateFixture.make(store: flaky)
        let alice = try await f.cryptoUser("alice")
        let key = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "lost"), by: alice)
        flaky.loseAnswers(1)
        try await Self.asRequest(Self.idA, of: alice) { try await f.machine.destroy(key, by: alice) }
        #expect(try f.machine.find(AttributeSet([(.label, .string("lost"))]), for: alice).isEmpty)
        #expect(try await Self.receipts(in: base) == 1)
    }

    /// A repeat of an attribute change that landed writes nothing: a later change by another request
    /// stays, rather than being overwritten by the stale repeat.
    @Test func aRepeatedAttributeChangeIsNotAppliedTwice() async throws {
        let f = try await StateFixture.make(.sqlite)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let key = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "before"), by: alice)
        let first = AttributeSet([(.label, .string("first"))])
        try await Self.asRequest(Self.idA, of: alice) { try await f.machine.setAttributes(key, first, by: alice) }
        try await Self.asRequest(Self.idB, of: alice) {
            try await f.machine.setAttributes(key, AttributeSet([(.label, .string("later"))]), by: alice)
        }
        let revision = f.machine.revision
        try await Self.asRequest(Self.idA, of: alice) { try await f.machine.setAttributes(key, first, by: alice) }
        #expect(f.machine.revision == revision)
        #expect(try f.machine.object(key, for: alice).object.label == "later")
        // Without a request id the same change is simply made again.
        try await f.machine.setAttributes(key, first, by: alice)
        #expect(try f.machine.object(key, for: alice).object.label == "first")
    }

    @Test func receiptsOlderThanTheCutoffArePruned() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        for (index, id) in [Self.idA, Self.idB].enumerated() {
            let key = try await f.machine.generateKey(
                mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "k\(index)"), by: alice)
            try await Self.asRequest(id, of: alice) { try await f.machine.destroy(key, by: alice) }
        }
        #expect(try await Self.receipts(in: f.store) == 2)
        #expect(try await f.machine.pruneReceipts(olderThan: Date() - 3600) == 0)
        #expect(try await Self.receipts(in: f.store) == 2)
        #expect(try await f.machine.pruneReceipts(olderThan: Date() + 1) == 2)
        #expect(try await Self.receipts(in: f.store) == 0)
        // The index never saw the receipts as objects.
        #expect(try f.machine.find(AttributeSet(), for: alice).isEmpty)
    }

    @Test func aReceiptValueRoundTrips() {
        let date = Date(timeIntervalSince1970: 1_800_000_000.123)
        let decoded = StateMachine.receiptDate(StateMachine.receiptValue(date))
        #expect(abs((decoded?.timeIntervalSince1970 ?? 0) - date.timeIntervalSince1970) < 0.002)
        #expect(StateMachine.receiptDate([1, 2, 3]) == nil)
    }
}

/// Scheduled backups: of the nodes that try to claim one run, exactly one wins, whatever the order.
@Suite struct BackupClaimTests {
    @Test func oneNodeClaimsEachRun() async throws {
        let f = try await StateFixture.make(.memory)
        let peer = try await f.peer()
        async let first = f.machine.claimScheduledRun(slot: 1_000, node: "a")
        async let second = peer.claimScheduledRun(slot: 1_000, node: "b")
        let outcomes = try await [first, second]
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await f.machine.claimScheduledRun(slot: 1_001, node: "b"))
        #expect(try await !peer.claimScheduledRun(slot: 1_001, node: "a"))
        // Old claims go once they are 64 runs behind; backups never hold claims.
        #expect(try await peer.claimScheduledRun(slot: 1_100, node: "a"))
        let claims = try await f.store.range(prefix: RecordKey.backupClaimPrefix, startKey: nil, at: nil, limit: nil).keyValues
        #expect(claims.count == 1)
        var exported: [[UInt8]] = []
        _ = try await f.machine.exportRecords(by: nil) { _ in } _: { exported += $0.map(\.key) }
        #expect(!exported.contains { $0.starts(with: RecordKey.backupClaimPrefix) })
        #expect(exported.contains(RecordKey.sealConfiguration))
    }
}
