// The etcd store against an etcd with auth enabled: a member of its own (enabling auth would lock
// the shared one), set up through etcd's own Auth API, then used with and without credentials.

import CofferState
@testable import CofferStoreEtcd
import Testing

@Suite struct EtcdStateStoreAuthTests {
    @Test(.timeLimit(.minutes(1))) func authenticatesWithItsCredentials() async throws {
        let server = EtcdTestServer()
        do {
            try await check(on: server.endpoint())
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func check(on endpoint: EtcdConfiguration.Endpoint) async throws {
        let password = "s3cret-pass-\(Int.random(in: 1000...9999))"
        let setup = try EtcdStateStore(configuration: EtcdConfiguration(endpoints: [endpoint], prefix: bytes("auth/")))
        var role = Etcdserverpb_AuthRoleAddRequest()
        role.name = "root"
        _ = try await setup.auth.roleAdd(role)
        var user = Etcdserverpb_AuthUserAddRequest()
        user.name = "root"
        user.password = password
        _ = try await setup.auth.userAdd(user)
        var grant = Etcdserverpb_AuthUserGrantRoleRequest()
        grant.user = "root"
        grant.role = "root"
        _ = try await setup.auth.userGrantRole(grant)
        _ = try await setup.auth.authEnable(Etcdserverpb_AuthEnableRequest())
        await setup.close()

        func store(_ credentials: EtcdConfiguration.Credentials?) throws -> EtcdStateStore {
            try EtcdStateStore(
                configuration: EtcdConfiguration(
                    endpoints: [endpoint], prefix: bytes("auth/"), credentials: credentials))
        }
        let anonymous = try store(nil)
        await #expect(throws: StoreError.self) { try await anonymous.put(bytes("k"), bytes("v")) }
        await anonymous.close()

        let wrong = try store(.init(username: "root", password: "not-the-password"))
        let refused = await #expect(throws: StoreError.self) { try await wrong.put(bytes("k"), bytes("v")) }
        #expect(refused.map { "\($0)".contains("not-the-password") } == false)
        await wrong.close()

        let root = try store(.init(username: "root", password: password))
        let before = try await root.currentRevision()
        var watch = root.watch(prefix: [], fromRevision: before + 1).makeAsyncIterator()
        let revision = try await root.put(bytes("k"), bytes("v"))
        #expect(try await root.get(bytes("k"), at: nil)?.value == bytes("v"))
        #expect(try await watch.next()?.map(\.keyValue.modRevision) == [revision])
        await root.close()
    }
}
