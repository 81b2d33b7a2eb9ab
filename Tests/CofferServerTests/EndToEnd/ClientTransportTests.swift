// CofferClient against a real mTLS gRPC server on loopback: the TLS set-up, login token and
// min_revision on every request, typed errors, and failover from a dead endpoint.

import CofferClient
import CofferProtocol
import Foundation
import Testing

@Suite struct ClientTransportTests {
    /// A configuration for `ports`, the first listed first unless `order` says otherwise.
    func configuration(
        _ pki: TestPKI, ports: [Int], host: String = "127.0.0.1", clientCA: TestPKI? = nil, order: EndpointOrder = .listed
    ) throws -> ClientConfiguration {
        let client = try (clientCA ?? pki).issue(commonName: "workstation", server: false)
        var configuration = ClientConfiguration(
            endpoints: ports.map { Endpoint(host: host, port: $0) }, caCertificatePEM: try pki.caPEM,
            clientCertificatePEM: client.certificatePEM, clientKeyPEM: client.keyPEM, deadline: .seconds(60))
        configuration.endpointOrder = order
        return configuration
    }

    /// Clients of one profile start on different nodes ("spread", the default), each staying on its
    /// own; "listed" starts every client on the first endpoint. No connection is needed to choose.
    @Test func clientsSpreadOverTheEndpoints() throws {
        let pki = try TestPKI()
        let ports = [7001, 7002, 7003]
        #expect(ClientConfiguration(endpoints: [], caCertificatePEM: "", clientCertificatePEM: "", clientKeyPEM: "").endpointOrder == .spread)
        var started: [Int: Int] = [:]
        for _ in 0..<60 {
            let client = try CofferClient(configuration: configuration(pki, ports: ports, order: .spread))
            started[client.currentEndpoint.port, default: 0] += 1
        }
        // Each of 60 clients picks one of three at random: all three are used but with odds of about 1 in 10^10.
        #expect(Set(started.keys) == Set(ports), "\(started)")
        for _ in 0..<5 {
            #expect(try CofferClient(configuration: configuration(pki, ports: ports)).currentEndpoint.port == 7001)
        }
    }

    /// A loopback port with nothing listening (bound, then closed).
    func deadPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func tokenAndHighestRevisionTravelWithEveryRequest() async throws {
        let pki = try TestPKI()
        let node = FakeNode()
        try await FakeNode.serving(node, pki: pki) { port in
            let client = try CofferClient(configuration: configuration(pki, ports: [port]))
            let status = try await client.status()
            #expect(status.nodeID == "fake")
            #expect(client.highestRevision == status.header.revision)
            let login = try await client.login(user: "alice", password: Array("pw".utf8), scope: .certificate)
            #expect(client.loginToken == "token-for-alice")
            _ = try await client.listUsers()
            #expect(node.receivedHeaders.last?.loginToken == "token-for-alice")
            #expect(node.receivedHeaders.last?.minRevision == login.header.revision)
            client.observe(revision: 1_000)
            _ = try await client.listUsers()
            #expect(node.receivedHeaders.last?.minRevision == 1_000)
            try await client.logout()
            #expect(client.loginToken == "")
            await client.close()
        }
    }

    @Test func theNodesCKRArrivesTyped() async throws {
        let pki = try TestPKI()
        try await FakeNode.serving(FakeNode(), pki: pki) { port in
            let client = try CofferClient(configuration: configuration(pki, ports: [port]))
            let error = await #expect(throws: CofferClientError.self) { _ = try await client.unseal(share: "x") }
            #expect(error?.kind == .rejected)
            #expect(error?.returnCode == CofferReturnCode.argumentsBad)
            #expect(error?.message == "bad share")
            await client.close()
        }
    }

    @Test func idempotentCallsFailOverFromADeadEndpoint() async throws {
        let pki = try TestPKI()
        let dead = try deadPort()
        try await FakeNode.serving(FakeNode(), pki: pki) { port in
            let client = try CofferClient(configuration: configuration(pki, ports: [dead, port]))
            let status = try await client.status()
            #expect(status.sealState == .unsealed)
            #expect(client.currentEndpoint.port == port)
            await client.close()
        }
    }

    @Test func nonIdempotentCallsAreNotRetriedButTheNextCallMovesOn() async throws {
        let pki = try TestPKI()
        let dead = try deadPort()
        let node = FakeNode()
        try await FakeNode.serving(node, pki: pki) { port in
            let client = try CofferClient(configuration: configuration(pki, ports: [dead, port]))
            let error = await #expect(throws: CofferClientError.self) {
                _ = try await client.createUser(name: "bob", role: .cryptoUser, password: Array("pw".utf8))
            }
            #expect(error?.returnCode == CofferReturnCode.deviceRemoved)
            #expect(node.receivedHeaders.isEmpty)
            let user = try await client.createUser(name: "bob", role: .cryptoUser, password: Array("pw".utf8))
            #expect(user.name == "bob")
            #expect(node.receivedHeaders.count == 1)
            await client.close()
        }
    }

    @Test func aNodeCertificateFromAnotherCAIsRefused() async throws {
        let pki = try TestPKI()
        let other = try TestPKI(name: "Other CA")
        try await FakeNode.serving(FakeNode(), pki: pki) { port in
            var configuration = try configuration(pki, ports: [port])
            configuration.caCertificatePEM = try other.caPEM
            let client = try CofferClient(configuration: configuration)
            let error = await #expect(throws: CofferClientError.self) { _ = try await client.status() }
            #expect(error?.kind != .rejected)
            await client.close()
        }
    }

    @Test func aNodeNamedByDNSIsVerifiedAgainstItsCertificate() async throws {
        let pki = try TestPKI()
        try await FakeNode.serving(FakeNode(), pki: pki) { port in
            let client = try CofferClient(configuration: configuration(pki, ports: [port], host: "localhost"))
            let status = try await client.status()
            #expect(status.nodeID == "fake")
            await client.close()
        }
    }

    @Test func aClientCertificateFromAnotherCAIsRefusedByTheNode() async throws {
        let pki = try TestPKI()
        let other = try TestPKI(name: "Other CA")
        try await FakeNode.serving(FakeNode(), pki: pki) { port in
            let client = try CofferClient(configuration: configuration(pki, ports: [port], clientCA: other))
            let error = await #expect(throws: CofferClientError.self) { _ = try await client.status() }
            #expect(error?.kind != .rejected)
            await client.close()
        }
    }
}
