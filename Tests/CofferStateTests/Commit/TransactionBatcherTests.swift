// Group commit: commits sent at the same time reach the store as few transactions, each lands or
// fails exactly as it would alone (a member whose compare fails does not sink the others), and two
// commits on one key are never merged.

import CofferModel
import CofferStoreMemory
import Testing
@testable import CofferState

@Suite struct TransactionBatcherTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func createIfAbsent(_ batcher: TransactionBatcher, _ key: String, _ value: String = "v") async throws -> Bool {
        try await batcher.transact(
            compare: [.version(key: bytes(key), equals: 0)], success: [.put(key: bytes(key), value: bytes(value))]
        ).succeeded
    }

    @Test func concurrentKeyGenerationsShareTransactions() async throws {
        let store = FlakyStore()
        let f = try await StateFixture.make(store: store)
        let alice = try await f.cryptoUser("alice")
        store.setLatency(.milliseconds(20))
        let before = store.transactions
        let count = 48
        let handles = try await withThrowingTaskGroup(of: ObjectHandle.self) { group in
            for i in 0..<count {
                group.addTask {
                    try await f.machine.generateKey(
                        mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "batched-\(i)"), by: alice)
                }
            }
            return try await group.reduce(into: Set<ObjectHandle>()) { $0.insert($1) }
        }
        #expect(handles.count == count)
        // Every key is there once, readable, on this node and on a peer.
        let peer = try await f.peer()
        try await peer.waitForIndex(f.machine.revision)
        for i in 0..<count {
            let found = try peer.find(AttributeSet([(.label, .string("batched-\(i)"))]), for: alice)
            #expect(found.count == 1 && handles.contains(found[0]))
        }
        // Alone, each would have been a transaction of its own.
        let sent = store.transactions - before
        #expect(sent < count / 2, "\(sent) transactions for \(count) keys")
    }

    @Test func aFailedCompareSinksOnlyItsOwnMember() async throws {
        let store = FlakyStore()
        let batcher = TransactionBatcher(store: store)
        #expect(try await Self.createIfAbsent(batcher, "taken", "first"))
        let before = store.transactions
        // One in flight holds the others back, so that they go together.
        store.closeGate()
        async let holder = Self.createIfAbsent(batcher, "holder")
        #expect(await eventually { store.transactions == before + 1 })
        async let a = Self.createIfAbsent(batcher, "a")
        async let taken = Self.createIfAbsent(batcher, "taken", "second")
        async let b = Self.createIfAbsent(batcher, "b")
        #expect(await eventually { batcher.waiting == 3 })
        store.openGate()
        let outcomes = try await (holder, a, taken, b)
        #expect(outcomes.0 && outcomes.1 && !outcomes.2 && outcomes.3)
        #expect(try await store.get(Self.bytes("taken"), at: nil)?.value == Self.bytes("first"))
        #expect(try await store.get(Self.bytes("a"), at: nil) != nil)
        #expect(try await store.get(Self.bytes("b"), at: nil) != nil)
        // The holder, the merged three (refused), then each of them alone.
        #expect(store.transactions - before == 5)
    }

    @Test func twoCommitsOnOneKeyAreNeverMerged() async throws {
        let store = FlakyStore()
        let batcher = TransactionBatcher(store: store)
        store.closeGate()
        async let holder = Self.createIfAbsent(batcher, "holder")
        #expect(await eventually { store.transactions == 1 })
        // Merged, both compares would see the key absent and etcd would refuse the duplicate put;
        // one after the other, exactly one creates it.
        async let first = Self.createIfAbsent(batcher, "same", "1")
        async let second = Self.createIfAbsent(batcher, "same", "2")
        #expect(await eventually { batcher.waiting == 2 })
        store.openGate()
        let outcomes = try await (holder, first, second)
        #expect(outcomes.0)
        #expect(outcomes.1 != outcomes.2)
        let value = try await store.get(Self.bytes("same"), at: nil)?.value
        #expect(value == Self.bytes(outcomes.1 ? "1" : "2"))
    }
}
