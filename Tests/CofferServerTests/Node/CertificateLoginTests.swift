// Over a real cofferd, a certificate-scoped login works from a second connection with the same
// client certificate: the node's TLS listener tells the services each RPC's peer certificate.

import CofferProtocol
import CofferServer
import Foundation
import GRPCCore
import Testing

@Suite("cofferd certificate-scoped login")
struct CertificateLoginTests {
    @Test func tokenFollowsTheCertificateAcrossConnections() async throws {
        let data = try CofferdProcess.temporaryDirectory()
        let node = try CofferdProcess(["--dev", "--data-dir", data])
        let endpoint = try await node.endpoint()
        let (_, identity) = try CofferdDevModeTests.bundleIdentity(data)
        let password = try String(contentsOfFile: data + "/client/dev-admin-password", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)

        let token = try await withNode(endpoint, as: identity) { client in
            var login = Coffer_V1_LoginRequest()
            login.userName = "admin"
            login.password = Data(password.utf8)
            login.scope = .certificate
            return try await Coffer_V1_NodeService.Client(wrapping: client).login(login).loginToken
        }
        // A new connection (a new client) with the same certificate.
        let users = try await withNode(endpoint, as: identity) { client in
            var request = Coffer_V1_ListUsersRequest()
            request.header.loginToken = token
            return try await Coffer_V1_UserService.Client(wrapping: client).listUsers(request).users
        }
        #expect(users.map(\.name) == ["admin"])
        #expect(node.terminate() == 0)
    }
}
