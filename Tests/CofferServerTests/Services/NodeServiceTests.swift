// NodeService and UserService over the in-process transport: status, login, lockout and unlock,
// logout, deleted users, and logins bound to their connection or certificate.

import CofferCrypto
import CofferModel
import CofferProtocol
import Foundation
import GRPCCore
import Testing
@testable import CofferServer

@Suite struct NodeServiceTests {
    @Test func statusAndRevision() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let status = try await c.node.getStatus(Coffer_V1_GetStatusRequest())
            #expect(status.sealState == .unsealed)
            #expect(status.nodeID == "node-1")
            #expect(status.clusterName == "test-cluster")
            #expect(status.header.revision == f.state.revision)
            #expect(status.header.revision > 0)
            #expect(status.storeRevision == f.state.revision)
            // The health probe's brief status: the same identity and seal state, no store call.
            var brief = Coffer_V1_GetStatusRequest()
            brief.brief = true
            let probe = try await c.node.getStatus(brief)
            #expect(probe.sealState == .unsealed)
            #expect(probe.nodeID == "node-1")
            #expect(probe.storeRevision == 0)
            #expect(probe.storeBackend == status.storeBackend)
        }
    }

    @Test func loginLockoutAndUnlock() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let bob = try await c.cryptoUser("bob", admin: admin)
            #expect(!alice.isEmpty && alice != bob)

            for _ in 0..<Int(User.lockoutThreshold) {
                #expect(await returnCode { try await c.login("alice", "wrong-password") } == .pinIncorrect)
            }
            #expect(await returnCode { try await c.login("alice", ServerFixture.password("alice")) } == .pinLocked)
            var list = Coffer_V1_ListUsersRequest()
            list.header = header(admin)
            let users = try await c.users.listUsers(list)
            #expect(users.users.first { $0.name == "alice" }?.locked == true)
            #expect(users.header.revision == f.state.revision)
            // Only an admin lists or unlocks.
            list.header = header(bob)
            #expect(await returnCode { try await c.users.listUsers(list) } == .userNotLoggedIn)
            var unlock = Coffer_V1_UnlockUserRequest()
            unlock.name = "alice"
            unlock.header = header(bob)
            #expect(await returnCode { try await c.users.unlockUser(unlock) } == .userNotLoggedIn)
            unlock.header = header(admin)
            _ = try await c.users.unlockUser(unlock)
            let again = try await c.login("alice", ServerFixture.password("alice"))

            // Own password change.
            var change = Coffer_V1_ChangePasswordRequest()
            change.header = header(again)
            change.newPassword = Data("a-new-password".utf8)
            _ = try await c.users.changePassword(change)
            #expect(await returnCode { try await c.login("alice", ServerFixture.password("alice")) } == .pinIncorrect)
            _ = try await c.login("alice", "a-new-password")

            // Logout revokes; a garbage token is no login.
            var logout = Coffer_V1_LogoutRequest()
            logout.header = header(again)
            _ = try await c.node.logout(logout)
            var open = Coffer_V1_ListMechanismsRequest()
            open.header = header(again)
            #expect(await returnCode { try await c.token.listMechanisms(open) } == .userNotLoggedIn)
            open.header = header("not-a-token")
            #expect(await returnCode { try await c.token.listMechanisms(open) } == .userNotLoggedIn)
            open.header = header(String(repeating: "ab", count: 32))
            #expect(await returnCode { try await c.token.listMechanisms(open) } == .userNotLoggedIn)

            // A deleted user's token stops working.
            var delete = Coffer_V1_DeleteUserRequest()
            delete.header = header(admin)
            delete.name = "bob"
            _ = try await c.users.deleteUser(delete)
            open.header = header(bob)
            #expect(await returnCode { try await c.token.listMechanisms(open) } == .userNotLoggedIn)
        }
    }

    @Test func badUserRequests() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let revision = f.state.revision
            var create = Coffer_V1_CreateUserRequest()
            create.header = header(admin)
            create.name = "carol"
            create.password = Data(ServerFixture.password("carol").utf8)
            #expect(await returnCode { try await c.users.createUser(create) } == .argumentsBad)  // no role
            create.role = .cryptoUser
            create.password = Data("short".utf8)
            #expect(await returnCode { try await c.users.createUser(create) } == .pinLenRange)
            create.password = Data(repeating: 0x41, count: 1 << 20)
            #expect(await returnCode { try await c.users.createUser(create) } == .pinLenRange)
            var login = Coffer_V1_LoginRequest()
            login.userName = String(repeating: "x", count: 10_000)
            login.password = Data("whatever-password".utf8)
            #expect(await returnCode { try await c.node.login(login) } == .pinIncorrect)
            #expect(f.state.revision == revision)
        }
    }

    /// In-process connections all share one peer name, so the binding is driven through the service
    /// directly with contexts as a TCP transport would give them: a distinct remotePeer per connection.
    @Test func loginsAreBoundToTheirConnection() async throws {
        let f = try await ServerFixture.make()
        let node = f.services.nodeService
        let token = f.services.tokenService
        var login = Coffer_V1_LoginRequest()
        login.userName = "admin"
        login.password = Data(ServerFixture.adminPassword.utf8)
        let made = try await withContext(peer: "ipv4:127.0.0.1:50001") { try await node.login(request: login, context: $0) }
        var list = Coffer_V1_ListMechanismsRequest()
        list.header = header(made.loginToken)
        let listed = try await withContext(peer: "ipv4:127.0.0.1:50001") { try await token.listMechanisms(request: list, context: $0) }
        #expect(!listed.mechanisms.isEmpty)
        #expect(await returnCode {
            try await withContext(peer: "ipv4:127.0.0.1:50002") { try await token.listMechanisms(request: list, context: $0) }
        } == .userNotLoggedIn)

        // A certificate-scoped login needs a certificate; refused before the password is checked.
        login.scope = .certificate
        #expect(await returnCode {
            try await withContext(peer: "ipv4:127.0.0.1:50003") { try await node.login(request: login, context: $0) }
        } == .argumentsBad)
        login.scope = .UNRECOGNIZED(7)
        #expect(await returnCode {
            try await withContext(peer: "ipv4:127.0.0.1:50003") { try await node.login(request: login, context: $0) }
        } == .argumentsBad)
    }

    /// Sessions are bound to their connection too.
    @Test func sessionsAreBoundToTheirConnection() async throws {
        let f = try await ServerFixture.make()
        let token = f.services.tokenService
        var open = Coffer_V1_OpenSessionRequest()
        open.readWrite = true
        let session = try await withContext(peer: "ipv4:127.0.0.1:50010") { try await token.openSession(request: open, context: $0) }.session
        #expect(session != 0)
        var close = Coffer_V1_CloseSessionRequest()
        close.header = header("", session: session)
        #expect(await returnCode {
            try await withContext(peer: "ipv4:127.0.0.1:50011") { try await token.closeSession(request: close, context: $0) }
        } == .sessionHandleInvalid)
        _ = try await withContext(peer: "ipv4:127.0.0.1:50010") { try await token.closeSession(request: close, context: $0) }
        #expect(await returnCode {
            try await withContext(peer: "ipv4:127.0.0.1:50010") { try await token.closeSession(request: close, context: $0) }
        } == .sessionHandleInvalid)
    }
}

/// Runs `body` with a server context for a connection named `peer`.
func withContext<T: Sendable>(peer: String, _ body: (ServerContext) async throws -> T) async throws -> T {
    try await withServerContextRPCCancellationHandle { handle in
        let context = ServerContext(
            descriptor: MethodDescriptor(fullyQualifiedService: "coffer.v1.Test", method: "Test"), remotePeer: peer,
            localPeer: "ipv4:127.0.0.1:9443", cancellation: handle)
        return try await body(context)
    }
}
