// A node whose watch fails keeps its index and catches up without a restart: a broken watch is
// opened again from the last applied revision, and one whose start was compacted away is replaced
// by a fresh snapshot (destroyed keys gone, new ones there). A node on a shared store that cannot
// prove itself current within its staleness bound refuses key use, and serves again once it can.

import CofferCrypto
import CofferModel
import CofferStoreMemory
import Testing
@testable import CofferState

@Suite struct WatchRecoveryTests {
    /// A fixture on a memory store, and a flaky view of that store for the peer: only the peer's
    /// watches and writes fail.
    static func fixture() async throws -> (StateFixture, FlakyStore) {
        let base = MemoryStateStore()
        return (try await StateFixture.make(store: base), FlakyStore(base: base))
    }

    static func peer(of f: StateFixture, over store: FlakyStore, freshness: FreshnessPolicy? = nil) async throws -> StateMachine {
        let peer = try await StateMachine(
            store: store, crypto: StateFixture.crypto, passwordCost: StateFixture.cheapCost,
            indexTimeout: StateFixture.indexTimeout, freshness: freshness)
        try await peer.unseal(shareText: f.shares[0].text())
        try await peer.unseal(shareText: f.shares[1].text())
        return peer
    }

    @Test func aBrokenWatchIsOpenedAgainAndCatchesUp() async throws {
        let (f, store) = try await Self.fixture()
        let alice = try await f.cryptoUser("alice")
        let peer = try await Self.peer(of: f, over: store)
        let opened = store.watchesOpened
        store.breakWatches()
        // Written while the peer cannot watch.
        let key = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "gap"), by: alice)
        #expect(throws: StateError.objectHandleInvalid) { try peer.object(key, for: alice) }
        store.restoreWatches()
        try await peer.waitForIndex(f.machine.revision)
        #expect(try peer.object(key, for: alice).object.label == "gap")
        #expect(store.watchesOpened > opened)
        #expect(peer.freshness.watchFailures >= 1)
    }

    @Test func aCompactedWatchIsReplacedByAFreshSnapshot() async throws {
        let (f, store) = try await Self.fixture()
        let alice = try await f.cryptoUser("alice")
        let doomed = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "doomed"), by: alice)
        let peer = try await Self.peer(of: f, over: store)
        #expect(try peer.object(doomed, for: alice).object.label == "doomed")
        store.breakWatches()
        try await f.machine.destroy(doomed, by: alice)
        let kept = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "kept"), by: alice)
        try await store.compact(before: try await store.currentRevision())
        store.restoreWatches()
        try await peer.waitForIndex(f.machine.revision)
        #expect(throws: StateError.objectHandleInvalid) { try peer.object(doomed, for: alice) }
        #expect(try peer.object(kept, for: alice).object.label == "kept")
        #expect(try peer.find(AttributeSet([(.label, .string("doomed"))]), for: alice).isEmpty)
        #expect(peer.freshness.lastWatchFailure?.contains("compacted") == true)
        // And it follows the store again afterwards.
        let after = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "after"), by: alice)
        try await peer.waitForIndex(f.machine.revision)
        #expect(try peer.object(after, for: alice).object.label == "after")
    }

    @Test func aNodePastItsStalenessBoundRefusesKeyUseUntilItIsCurrent() async throws {
        let (f, store) = try await Self.fixture()
        let alice = try await f.cryptoUser("alice")
        let key = try await f.machine.generateKey(mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "s"), by: alice)
        let policy = FreshnessPolicy(bound: .milliseconds(400), interval: .milliseconds(50), nodeName: "peer")
        let peer = try await Self.peer(of: f, over: store, freshness: policy)
        _ = try peer.key(key, for: .encrypt, mechanism: .aesGCM, by: alice)
        #expect(peer.freshness.sinceLastProof != nil)
        // No quorum: the heartbeat cannot land, and after the bound the node stops serving keys.
        store.setWritesDown(true)
        let refused = await eventually {
            do {
                _ = try peer.key(key, for: .encrypt, mechanism: .aesGCM, by: alice)
                return false
            } catch StateError.stale {
                return true
            } catch {
                return false
            }
        }
        #expect(refused)
        #expect(throws: StateError.self) { try peer.find(AttributeSet(), for: alice) }
        await #expect(throws: StateError.self) { try await peer.authenticate(name: "alice", password: StateFixture.password("alice")) }
        // The machine without a bound (a local store's) keeps serving.
        _ = try f.machine.key(key, for: .encrypt, mechanism: .aesGCM, by: alice)
        store.setWritesDown(false)
        let serving = await eventually { (try? peer.key(key, for: .encrypt, mechanism: .aesGCM, by: alice)) != nil }
        #expect(serving)
        peer.seal()
    }
}

@Suite struct SealConfigurationWatchTests {
    @Test func aNodeUpBeforeThePeerInitializesBecomesSealedAndUnseals() async throws {
        let store = MemoryStateStore()
        let early = try await StateMachine(store: store, crypto: StateFixture.crypto, passwordCost: StateFixture.cheapCost)
        #expect(early.status == .uninitialized)
        let f = try await StateFixture.make(store: store)
        let sealed = await eventually { early.status == .sealed(given: 0, threshold: 2) }
        #expect(sealed)
        try await early.unseal(shareText: f.shares[0].text())
        #expect(try await early.unseal(shareText: f.shares[2].text()) == .unsealed)
        #expect(try early.user(named: "admin").id == f.admin.id)
        await #expect(throws: StateError.alreadyInitialized) {
            try await early.initialize(threshold: 1, shares: 1, adminName: "x", adminPassword: SecretBytes(Array("password1".utf8)))
        }
    }
}
