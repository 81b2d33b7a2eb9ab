// The commit seam: lost races between two machines on one store are planned again (so concurrent
// failed logins all count and concurrent changes to one object both land), participants add to the
// same transaction or refuse it, and bulk writes split to fit the store's limits.

import CofferCrypto
import CofferModel
import CofferStoreMemory
import Synchronization
import Testing
@testable import CofferState

/// A participant that writes one plain marker record per commit, or refuses the commits it is told to.
final class MarkerParticipant: CommitParticipant {
    let seen = Mutex<[PendingCommit]>([])
    let refuse: @Sendable (PendingCommit, Int) -> Bool
    var reservedOperations: Int { 1 }

    init(refuse: @escaping @Sendable (PendingCommit, Int) -> Bool = { _, _ in false }) { self.refuse = refuse }

    static func key(_ n: Int) -> [UInt8] { Array("d/test-marker/\(n)".utf8) }

    func prepare(_ commit: PendingCommit, plan: inout WritePlan) throws(StateError) {
        let n = seen.withLock { seen in
            seen.append(commit)
            return seen.count
        }
        if refuse(commit, n) { throw .model(.argumentsBad("refused by the test participant")) }
        plan.preconditions.append(.absent(Self.key(n)))
        plan.writes.append(.putPlain(key: Self.key(n), value: commit.command.encoded))
    }
}

@Suite struct CommitSeamTests {
    @Test func failedLoginsOnTwoMachinesAtOnceAllCount() async throws {
        let f = try await StateFixture.make(.memory)
        _ = try await f.cryptoUser("alice")
        let peer = try await f.peer()
        let wrong = SecretBytes(Array("not-the-password".utf8))
        // Four wrong passwords at once, two through each machine: each must count although they race.
        await withTaskGroup(of: Void.self) { group in
            for machine in [f.machine, peer, f.machine, peer] {
                group.addTask { _ = try? await machine.authenticate(name: "alice", password: wrong) }
            }
        }
        let counted = try f.machine.user(named: "alice")
        #expect(counted.failedLoginCount == 4)
        #expect(!counted.locked)
        await #expect(throws: StateError.pinIncorrectNowLocked) { try await peer.authenticate(name: "alice", password: wrong) }
        try await f.machine.waitForIndex(peer.revision)
        #expect(try f.machine.user(named: "alice").locked)
        await #expect(throws: StateError.pinLocked) {
            try await f.machine.authenticate(name: "alice", password: StateFixture.password("alice"))
        }
    }

    @Test func concurrentChangesToOneObjectBothLand() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        let bob = try await f.cryptoUser("bob")
        let peer = try await f.peer()
        let key = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "before"), by: alice)
        try await peer.waitForIndex(f.machine.revision)
        async let relabel: Void = f.machine.setAttributes(key, AttributeSet([(.label, .string("after"))]), by: alice)
        async let share: Void = peer.share(key, with: bob.id, by: alice)
        _ = try await (relabel, share)
        try await f.machine.waitForIndex(peer.revision)
        let object = try f.machine.object(key, for: alice).object
        #expect(object.label == "after")
        #expect(object.sharedWith == [bob.id])
    }

    @Test func aParticipantWritesInTheSameTransaction() async throws {
        let marker = MarkerParticipant()
        let store = MemoryStateStore()
        let f = try await StateFixture.make(store: store, participants: [marker])
        let alice = try await f.cryptoUser("alice")
        let key = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "m"), by: alice)
        let commits = marker.seen.withLock { $0 }
        #expect(commits.map(\.command.name) == ["initialize", "create-user", "generate-key"])
        #expect(commits[1].actor == f.admin.id)
        #expect(commits[2].actor == alice.id)
        // The marker of the key's commit has the key record's revision: one transaction.
        let keyRecord = try #require(try await store.get(RecordKey.object(key), at: nil))
        let markerRecord = try #require(try await store.get(MarkerParticipant.key(3), at: nil))
        #expect(markerRecord.modRevision == keyRecord.modRevision)
        #expect(try Command(encoded: markerRecord.value) == commits[2].command)
        guard case .generateKey(let mechanism, let template) = commits[2].command else {
            Issue.record("not a generate-key command")
            return
        }
        #expect(mechanism == .aesKeyGen)
        #expect(template.string(.label) == "m")
        #expect(template.bytes(.value) == nil)
    }

    @Test func aRefusingParticipantLeavesTheStoreUntouched() async throws {
        let marker = MarkerParticipant { commit, _ in commit.command.name == "create-user" }
        let store = MemoryStateStore()
        let f = try await StateFixture.make(store: store, participants: [marker])
        let before = try await store.currentRevision()
        await #expect(throws: StateError.model(.argumentsBad("refused by the test participant"))) {
            _ = try await f.cryptoUser("alice")
        }
        #expect(try await store.currentRevision() == before)
        #expect(throws: StateError.userNotFound) { try f.machine.user(named: "alice") }
    }

    @Test func aCommandThatNoLongerHoldsIsRefusedAfterTheRaceNotApplied() async throws {
        let f = try await StateFixture.make(.memory)
        let alice = try await f.cryptoUser("alice")
        let peer = try await f.peer()
        let key = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "d"), by: alice)
        try await peer.waitForIndex(f.machine.revision)
        try await peer.destroy(key, by: alice)
        // The first machine may not have seen the destroy yet; its change loses the race, is planned
        // again on the caught-up index, and finds no object.
        await #expect(throws: StateError.objectHandleInvalid) {
            try await f.machine.setAttributes(key, AttributeSet([(.label, .string("x"))]), by: alice)
        }
    }

    @Test func bulkGenerationSplitsToFitTheStoresLimits() async throws {
        let store = MemoryStateStore(limits: .etcdDefaults)
        let f = try await StateFixture.make(store: store, participants: [MarkerParticipant()])
        let alice = try await f.cryptoUser("alice")
        let before = try await store.currentRevision()
        let handles = try await f.machine.generateKeys(
            mechanism: .aesKeyGen, template: BulkKeyGenerationTests.template(), count: 1000, labelPrefix: "b-", by: alice)
        #expect(Set(handles).count == 1000)
        // 127 keys and one marker per transaction: ceil(1000 / 127) = 8 transactions.
        #expect(try await store.currentRevision() == before + 8)
        #expect(try f.machine.find(AttributeSet([(.label, .string("b-999"))]), for: alice) == [handles[999]])
    }

    @Test func anInterruptedBulkGenerationKeepsAndReportsWhatItMade() async throws {
        // The fourth commit after the fixture's two (initialize, create-user) is the bulk's second batch.
        let marker = MarkerParticipant { _, n in n == 4 }
        let store = MemoryStateStore(limits: .etcdDefaults)
        let f = try await StateFixture.make(store: store, participants: [marker])
        let alice = try await f.cryptoUser("alice")
        await #expect(throws: StateError.bulkInterrupted(
            made: 127, requested: 300, cause: .argumentsBad, reason: "bad arguments: refused by the test participant")) {
            _ = try await f.machine.generateKeys(
                mechanism: .aesKeyGen, template: BulkKeyGenerationTests.template(), count: 300, labelPrefix: "i-", by: alice)
        }
        #expect(try f.machine.find(AttributeSet([(.label, .string("i-126"))]), for: alice).count == 1)
        #expect(try f.machine.find(AttributeSet([(.label, .string("i-127"))]), for: alice).isEmpty)
    }
}
