// The memory store standing in for etcd's limits, so that callers can test that their writes fit.

import CofferState
import CofferStoreMemory
import Testing

@Suite struct MemoryStateStoreTests {
    @Test func enforcesTheLimitsItWasGiven() async throws {
        let store = MemoryStateStore(limits: .etcdDefaults)
        #expect(store.limits == .etcdDefaults)
        let over = (0..<129).map { StoreOperation.put(key: bytes("k/\($0)"), value: [1]) }
        await #expect(throws: StoreError.tooManyOperations(count: 129, limit: 128)) {
            try await store.transact(compare: [], success: over, failure: [])
        }
        let large = [UInt8](repeating: 0, count: 1_572_865)
        await #expect(throws: StoreError.requestTooLarge(bytes: 1_572_866, limit: 1_572_864)) {
            try await store.transact(compare: [], success: [.put(key: bytes("b"), value: large)], failure: [])
        }
        #expect(try await store.currentRevision() == 0)
        #expect(try await store.transact(compare: [], success: Array(over.prefix(128)), failure: []).revision == 1)
        #expect(MemoryStateStore().limits == .unlimited)
        await store.close()
    }
}
