// What only the etcd store has: its limits refused before sending, the prefix that keeps stores
// sharing one etcd apart, its configuration checks, and the typed error of an unreachable etcd.
// All against the real etcd member of EtcdTestServer.

import CofferState
import CofferStoreEtcd
import Foundation
import Testing

@Suite struct EtcdStateStoreTests {
    /// Runs `body` with a fresh prefixed store on the shared etcd, in turn with the other etcd tests.
    private func withEtcd(_ body: (EtcdStateStore) async throws -> Void) async throws {
        await EtcdTurns.shared.acquire()
        do {
            let store = try await makeEtcdTestStore()
            do {
                try await body(store)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        } catch {
            await EtcdTurns.shared.release()
            throw error
        }
        await EtcdTurns.shared.release()
    }

    @Test func limitsAreEtcdsDefaults() async throws {
        try await withEtcd { store in
            #expect(store.limits == StoreLimits(maxOperationsPerTransaction: 128, maxRequestBytes: 1_572_864))
        }
    }

    @Test func transactionsOverTheOperationLimitAreRefusedBeforeSending() async throws {
        try await withEtcd { store in
            let base = try await store.currentRevision()
            let fits = (0..<128).map { StoreOperation.put(key: bytes("ops/\($0)"), value: [1]) }
            #expect(try await store.transact(compare: [], success: fits, failure: []).revision == base + 1)
            let over = (0..<129).map { StoreOperation.put(key: bytes("more/\($0)"), value: [1]) }
            await #expect(throws: StoreError.tooManyOperations(count: 129, limit: 128)) {
                try await store.transact(compare: [], success: over, failure: [])
            }
            // The failure branch and the compares count on their own.
            await #expect(throws: StoreError.tooManyOperations(count: 129, limit: 128)) {
                try await store.transact(compare: [], success: [], failure: over)
            }
            let compares = (0..<129).map { StoreCompare.version(key: bytes("c/\($0)"), equals: 0) }
            await #expect(throws: StoreError.tooManyOperations(count: 129, limit: 128)) {
                try await store.transact(compare: compares, success: [], failure: [])
            }
            #expect(try await store.all(prefix: bytes("more/")).isEmpty)
            #expect(try await store.currentRevision() == base + 1)
        }
    }

    @Test func transactionsOverTheRequestLimitAreRefusedBeforeSending() async throws {
        try await withEtcd { store in
            let base = try await store.currentRevision()
            // 1 MiB fits; 1.5 MiB of values does not, once keys, prefix and etcd's header are counted.
            let mebibyte = [UInt8](repeating: 0xAB, count: 1 << 20)
            #expect(try await store.put(bytes("big/one"), mebibyte) == base + 1)
            #expect(try await store.get(bytes("big/one"), at: nil)?.value == mebibyte)
            let half = [UInt8](repeating: 0xCD, count: 786_432)
            let error = await #expect(throws: StoreError.self) {
                try await store.transact(
                    compare: [],
                    success: [.put(key: bytes("big/a"), value: half), .put(key: bytes("big/b"), value: half)],
                    failure: [])
            }
            guard case .requestTooLarge(let size, let limit) = error else {
                Issue.record("expected requestTooLarge, got \(String(describing: error))")
                return
            }
            #expect(limit == 1_572_864)
            #expect(size > limit)
            #expect(try await store.get(bytes("big/a"), at: nil) == nil)
            #expect(try await store.currentRevision() == base + 1)
        }
    }

    @Test func storesUnderOtherPrefixesDoNotSeeEachOther() async throws {
        try await withEtcd { store in
            let other = try await makeEtcdTestStore()
            var otherWatch = other.watch(prefix: [], fromRevision: 0).makeAsyncIterator()
            let base = try await store.currentRevision()
            try await store.put(bytes("shared/name"), bytes("mine"))
            try await other.put(bytes("shared/name"), bytes("theirs"))
            #expect(try await store.get(bytes("shared/name"), at: nil)?.value == bytes("mine"))
            #expect(try await other.get(bytes("shared/name"), at: nil)?.value == bytes("theirs"))
            #expect(try await store.all(prefix: []).map(\.value) == [bytes("mine")])
            // One etcd, one revision: the other store's write took the next one.
            #expect(try await other.get(bytes("shared/name"), at: nil)?.modRevision == base + 2)
            #expect(try await otherWatch.next()?.map(\.keyValue.value) == [bytes("theirs")])
            // A compare sees only this store's key.
            #expect(
                try await store.transact(
                    compare: [.modRevision(key: bytes("shared/name"), equals: base + 1)], success: [], failure: []
                ).succeeded)
            await other.close()
        }
    }

    @Test func aWatchFromACompactedRevisionEndsWithTheCompactionPoint() async throws {
        try await withEtcd { store in
            let base = try await store.currentRevision()
            for n in 1...4 { try await store.put(bytes("c/key"), bytes("\(n)")) }
            try await store.compact(before: base + 3)
            var watch = store.watch(prefix: bytes("c/"), fromRevision: base + 1).makeAsyncIterator()
            await #expect(throws: StoreError.compacted(requested: base + 1, compactRevision: base + 3)) {
                _ = try await watch.next()
            }
            // The caller re-reads a snapshot at or past the compaction point and watches after it.
            #expect(try await store.get(bytes("c/key"), at: base + 3)?.value == bytes("3"))
            var again = store.watch(prefix: bytes("c/"), fromRevision: base + 4).makeAsyncIterator()
            #expect(try await again.next()?.map(\.keyValue.value) == [bytes("4")])
        }
    }

    @Test func aDeadEndpointInTheListIsPassedOver() async throws {
        try await withEtcd { _ in
            let live = try await EtcdTestServer.shared.endpoint()
            let dead = EtcdConfiguration.Endpoint(host: "127.0.0.1", port: try freeLoopbackPort())
            let store = try EtcdStateStore(
                configuration: EtcdConfiguration(
                    endpoints: [dead, live], prefix: bytes("coffer-test/\(UUID().uuidString)/"),
                    callTimeout: .seconds(5)))
            let revision = try await store.put(bytes("a"), bytes("1"))
            #expect(try await store.get(bytes("a"), at: nil)?.modRevision == revision)
            await store.close()
        }
    }

    @Test func anUnreachableEtcdIsUnavailable() async throws {
        let port = try freeLoopbackPort()
        let store = try EtcdStateStore(
            configuration: EtcdConfiguration(
                endpoints: [.init(host: "127.0.0.1", port: port)], prefix: bytes("x/"), callTimeout: .seconds(2)))
        let error = await #expect(throws: StoreError.self) { try await store.put(bytes("a"), bytes("1")) }
        guard case .unavailable = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            await store.close()
            return
        }
        await store.close()
    }

    @Test func badConfigurationsAreRefused() {
        #expect(throws: EtcdConfigurationError.noEndpoints) {
            try EtcdStateStore(configuration: EtcdConfiguration(endpoints: [], prefix: bytes("p/")))
        }
        #expect(throws: EtcdConfigurationError.mixedEndpoints) {
            try EtcdStateStore(
                configuration: EtcdConfiguration(
                    endpoints: [.init(host: "etcd-a.example", port: 2379), .init(host: "10.0.0.2", port: 2379)],
                    prefix: bytes("p/")))
        }
        #expect(throws: EtcdConfigurationError.invalidPort(70000)) {
            try EtcdStateStore(
                configuration: EtcdConfiguration(
                    endpoints: [.init(host: "127.0.0.1", port: 70000)], prefix: bytes("p/")))
        }
        #expect(throws: EtcdConfigurationError.incompleteClientCertificate) {
            try EtcdStateStore(
                configuration: EtcdConfiguration(
                    endpoints: [.init(host: "127.0.0.1", port: 2379)], prefix: bytes("p/"),
                    tls: .init(trustRootsPEM: "", clientCertificatePEM: "cert")))
        }
        let credentials = EtcdConfiguration.Credentials(username: "coffer", password: "hunter2-secret")
        #expect(!"\(credentials)".contains("hunter2"))
    }

    /// `validate()` is the check the store's init makes, available before a store is made (cofferd
    /// reports a bad store setting with it at start).
    @Test func validateChecksWithoutAStore() throws {
        #expect(throws: EtcdConfigurationError.noEndpoints) {
            try EtcdConfiguration(endpoints: [], prefix: bytes("p/")).validate()
        }
        #expect(throws: EtcdConfigurationError.mixedEndpoints) {
            try EtcdConfiguration(
                endpoints: [.init(host: "::1", port: 2379), .init(host: "10.0.0.2", port: 2379)], prefix: bytes("p/")
            ).validate()
        }
        #expect(throws: EtcdConfigurationError.invalidPort(0)) {
            try EtcdConfiguration(endpoints: [.init(host: "10.0.0.1", port: 0)], prefix: bytes("p/")).validate()
        }
        #expect(throws: EtcdConfigurationError.incompleteClientCertificate) {
            try EtcdConfiguration(
                endpoints: [.init(host: "10.0.0.1", port: 2379)], prefix: bytes("p/"),
                tls: .init(trustRootsPEM: "", clientKeyPEM: "key")
            ).validate()
        }
        try EtcdConfiguration(endpoints: [.init(host: "etcd.example.org", port: 2379)], prefix: bytes("p/")).validate()
        try EtcdConfiguration(
            endpoints: [.init(host: "10.0.0.1", port: 2379), .init(host: "10.0.0.2", port: 2379)], prefix: bytes("p/")
        ).validate()
    }
}
