// Session objects through the TokenService: made in a (read-only) session, used from another
// session of the same login, invisible to another login, gone at CloseSession and at Logout.

import CofferCrypto
import CofferModel
import CofferProtocol
import Foundation
import GRPCCore
import Testing
@testable import CofferServer

@Suite struct SessionObjectServiceTests {
    static func openSession(_ c: Clients, _ token: String, readWrite: Bool) async throws -> UInt64 {
        var request = Coffer_V1_OpenSessionRequest()
        request.header = header(token)
        request.readWrite = readWrite
        return try await c.token.openSession(request).session
    }

    static func generateAES(_ c: Clients, _ token: String, session: UInt64, onToken: Bool) async throws -> UInt64 {
        var request = Coffer_V1_GenerateKeyRequest()
        request.header = header(token, session: session)
        request.mechanism = mechanism(.aesKeyGen)
        request.template = [
            attribute(.objectClass, .ulong(ObjectClass.secretKey.rawValue)), attribute(.keyType, .ulong(KeyType.aes.rawValue)),
            attribute(.valueLen, .ulong(32)), attribute(.token, .bool(onToken)), attribute(.encrypt, .bool(true)),
            attribute(.decrypt, .bool(true)),
        ]
        return try await c.token.generateKey(request).handle
    }

    static func find(_ c: Clients, _ token: String, session: UInt64) async throws -> [UInt64] {
        var request = Coffer_V1_FindObjectsRequest()
        request.header = header(token, session: session)
        return try await c.token.findObjects(request).handles
    }

    static func close(_ c: Clients, _ token: String, session: UInt64) async throws {
        var request = Coffer_V1_CloseSessionRequest()
        request.header = header(token, session: session)
        _ = try await c.token.closeSession(request)
    }

    @Test func sessionObjectsFollowTheirSessionAndLogin() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let aliceAgain = try await c.login("alice", ServerFixture.password("alice"))
            let readOnly = try await Self.openSession(c, alice, readWrite: false)
            let readWrite = try await Self.openSession(c, alice, readWrite: true)

            // A read-only session makes a session key but not a token key.
            let revision = f.state.revision
            let sessionKey = try await Self.generateAES(c, alice, session: readOnly, onToken: false)
            #expect(f.state.revision == revision)
            #expect(await returnCode { try await Self.generateAES(c, alice, session: readOnly, onToken: true) } == .sessionReadOnly)
            // Without a session a session object has nowhere to live.
            #expect(await returnCode { try await Self.generateAES(c, alice, session: 0, onToken: false) } == .sessionHandleInvalid)
            let tokenKey = try await Self.generateAES(c, alice, session: readWrite, onToken: true)

            // The other session of the login encrypts with it and finds both kinds.
            let ciphertext = try await c.token.encrypt(TokenServiceTests.cipher(sessionKey, alice, [1, 2, 3], session: readWrite)).data
            #expect(
                try await c.token.decrypt(TokenServiceTests.cipher(sessionKey, alice, Array(ciphertext), session: readOnly)).data
                    == Data([1, 2, 3]))
            #expect(try await Self.find(c, alice, session: readWrite).sorted() == [tokenKey, sessionKey].sorted())
            // Another login of the same user, and a call outside any session, see only the token key.
            let other = try await Self.openSession(c, aliceAgain, readWrite: true)
            #expect(try await Self.find(c, aliceAgain, session: other) == [tokenKey])
            #expect(try await TokenServiceTests.find(c, alice) == [tokenKey])
            #expect(
                await returnCode { try await c.token.encrypt(TokenServiceTests.cipher(sessionKey, aliceAgain, [1], session: other)) }
                    == .keyHandleInvalid)

            // Closing the session that made it destroys it.
            try await Self.close(c, alice, session: readOnly)
            #expect(f.state.sessionObjectCount == 0)
            #expect(
                await returnCode { try await c.token.encrypt(TokenServiceTests.cipher(sessionKey, alice, [1], session: readWrite)) }
                    == .keyHandleInvalid)
            #expect(try await Self.find(c, alice, session: readWrite) == [tokenKey])

            // Logout destroys the login's session objects in every session; the token key stays.
            _ = try await Self.generateAES(c, alice, session: readWrite, onToken: false)
            _ = try await Self.generateAES(c, aliceAgain, session: other, onToken: false)
            #expect(f.state.sessionObjectCount == 2)
            var logout = Coffer_V1_LogoutRequest()
            logout.header = header(alice)
            _ = try await c.node.logout(logout)
            #expect(f.state.sessionObjectCount == 1)
            #expect(try await Self.find(c, aliceAgain, session: other).count == 2)
        }
    }

    @Test func aClosedConnectionTakesItsSessionsLoginsAndObjects() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let session = try await Self.openSession(c, alice, readWrite: true)
            _ = try await Self.generateAES(c, alice, session: session, onToken: false)
            let connection = try #require(f.services.sessions.connection(of: session))
            let logins = f.services.logins.count
            f.services.connectionClosed(connection)
            #expect(f.services.sessions.count == 0)
            #expect(f.state.sessionObjectCount == 0)
            #expect(f.services.logins.count < logins)
            #expect(await returnCode { try await Self.find(c, alice, session: session) } != nil)
        }
    }
}
