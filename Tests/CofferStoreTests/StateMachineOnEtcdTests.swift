// The state machine on a real etcd, as two nodes of a cluster see it: two machines, each with its own
// etcd client, on one prefix. The commit seam's retries make failed logins on both count, bulk
// generation splits to etcd's 128 operations per transaction, a node up before initialization
// learns the seal configuration, and the heartbeat proves a node current.

import CofferCrypto
import CofferModel
import CofferState
import CofferStoreEtcd
import Foundation
import Testing

@Suite struct StateMachineOnEtcdTests {
    static let cost = PasswordVerifier.Cost(log2Rounds: 4, blockSize: 1, parallelism: 1)
    static let crypto: CryptoModule = try! CryptoModule.start()

    /// Two machines on one fresh prefix; the first initializes (2 of 3) before the second exists
    /// unless `secondFirst`. Runs in turn with the other etcd tests.
    private func withTwoNodes(
        freshness: FreshnessPolicy? = nil,
        _ body: (StateMachine, StateMachine, [ShamirShare], User) async throws -> Void
    ) async throws {
        await EtcdTurns.shared.acquire()
        defer { Task { await EtcdTurns.shared.release() } }
        let endpoint = try await EtcdTestServer.shared.endpoint()
        let prefix = Array("coffer-test/\(UUID().uuidString)/".utf8)
        let storeA = try EtcdStateStore(configuration: EtcdConfiguration(endpoints: [endpoint], prefix: prefix))
        let storeB = try EtcdStateStore(configuration: EtcdConfiguration(endpoints: [endpoint], prefix: prefix))
        let a = try await StateMachine(store: storeA, crypto: Self.crypto, passwordCost: Self.cost, freshness: freshness)
        let b = try await StateMachine(
            store: storeB, crypto: Self.crypto, passwordCost: Self.cost,
            freshness: freshness.map { FreshnessPolicy(bound: $0.bound, interval: $0.interval, nodeName: $0.nodeName + "-b") })
        do {
            let shares = try await a.initialize(
                threshold: 2, shares: 3, adminName: "admin", adminPassword: SecretBytes(Array("admin-password".utf8)))
            var status = b.status
            for _ in 0..<250 where status == .uninitialized {
                try await Task.sleep(for: .milliseconds(20))
                status = b.status
            }
            #expect(status == .sealed(given: 0, threshold: 2))
            try await b.unseal(shareText: shares[1].text())
            try await b.unseal(shareText: shares[2].text())
            try await body(a, b, shares, try a.user(named: "admin"))
        } catch {
            a.seal()
            b.seal()
            await storeA.close()
            await storeB.close()
            throw error
        }
        a.seal()
        b.seal()
        await storeA.close()
        await storeB.close()
    }

    static func password(_ name: String) -> SecretBytes { SecretBytes(Array("pw-\(name)-secret".utf8)) }

    @Test func aKeyMadeOnOneNodeServesOnTheOther() async throws {
        try await withTwoNodes { a, b, _, admin in
            let alice = try await a.createUser(name: "alice", role: .cryptoUser, password: Self.password("alice"), by: admin)
            let template = AttributeSet([
                (.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.keyType, .ulong(KeyType.aes.rawValue)),
                (.valueLen, .ulong(32)), (.label, .string("shared")), (.token, .bool(true)), (.encrypt, .bool(true)),
            ])
            let key = try await a.generateKey(mechanism: .aesKeyGen, template: template, by: alice)
            try await b.waitForRevision(a.revision)
            _ = try b.key(key, for: .encrypt, mechanism: .aesGCM, by: try b.user(named: "alice"))
            try await b.destroy(key, by: alice)
            try await a.waitForRevision(b.revision)
            #expect(throws: StateError.objectHandleInvalid) { try a.object(key, for: alice) }
        }
    }

    @Test func failedLoginsOnBothNodesAtOnceAllCountAndLock() async throws {
        try await withTwoNodes { a, b, _, admin in
            _ = try await a.createUser(name: "bob", role: .cryptoUser, password: Self.password("bob"), by: admin)
            try await b.waitForRevision(a.revision)
            let wrong = SecretBytes(Array("wrong-password".utf8))
            await withTaskGroup(of: Void.self) { group in
                for node in [a, b, a, b, a, b, a, b] {
                    group.addTask { _ = try? await node.authenticate(name: "bob", password: wrong) }
                }
            }
            try await b.waitForRevision(a.revision)
            try await a.waitForRevision(b.revision)
            // Eight at once: every one counted (the fifth locks; later ones count on the locked record).
            #expect(try a.user(named: "bob").failedLoginCount == 8)
            #expect(try b.user(named: "bob").locked)
            await #expect(throws: StateError.pinLocked) { try await b.authenticate(name: "bob", password: Self.password("bob")) }
        }
    }

    @Test func bulkGenerationFitsEtcdsTransactionLimit() async throws {
        try await withTwoNodes { a, b, _, admin in
            let carol = try await a.createUser(name: "carol", role: .cryptoUser, password: Self.password("carol"), by: admin)
            let template = AttributeSet([
                (.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.keyType, .ulong(KeyType.aes.rawValue)),
                (.valueLen, .ulong(32)), (.token, .bool(true)), (.encrypt, .bool(true)),
            ])
            let before = a.revision
            let handles = try await a.generateKeys(
                mechanism: .aesKeyGen, template: template, count: 1000, labelPrefix: "bulk-", by: carol)
            #expect(Set(handles).count == 1000)
            // 128 keys per transaction: 8 transactions (etcd counts each as one revision).
            #expect(a.revision - before == 8)
            try await b.waitForRevision(a.revision)
            let bCarol = try b.user(named: "carol")
            #expect(try b.find(AttributeSet([(.label, .string("bulk-999"))]), for: bCarol) == [handles[999]])
            #expect(try b.find(AttributeSet([(.keyType, .ulong(KeyType.aes.rawValue))]), for: bCarol).count == 1000)
        }
    }

    @Test func theHeartbeatProvesBothNodesCurrent() async throws {
        let policyA = FreshnessPolicy(bound: .seconds(10), interval: .milliseconds(200), nodeName: "node-a")
        try await withTwoNodes(freshness: policyA) { a, b, _, _ in
            try await Task.sleep(for: .seconds(1))
            for node in [a, b] {
                let since = try #require(node.freshness.sinceLastProof)
                #expect(since < .seconds(1))
            }
            _ = try a.find(AttributeSet(), for: try a.user(named: "admin"))
        }
    }
}
