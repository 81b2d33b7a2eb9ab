// The fast path on a real loopback listener with mutual TLS: a ticket attaches one connection, once,
// for the certificate it was issued to; attached calls get their unary CKR codes and act as the
// ticket's connection; malformed input, a wrong ALPN and a closed gRPC connection all close it; and
// OpenFastPath's bounds.

import CofferCrypto
import CofferModel
import CofferProtocol
import Foundation
import GRPCCore
import NIOCore
import NIOEmbedded
import NIOSSL
import Testing
import X509
@testable import CofferServer

@Suite(.timeLimit(.minutes(3))) struct FastPathTests {
    /// The in-process transport's name for its one connection, as the services see it.
    static let inProcessConnection = "in-process:\(getpid())"

    /// A fixture, a listener with a test PKI, and two client identities.
    struct Setup {
        let fixture: ServerFixture
        let listener: FastPathListener
        let pki: TestPKI
        let alice: (certificatePEM: String, keyPEM: String)
        let mallory: (certificatePEM: String, keyPEM: String)

        /// `attachTimeout` is long by default: in a loaded test run this test's task may wait a long
        /// time between connecting and sending its hello.
        static func make(attachTimeout: TimeAmount = .minutes(5)) async throws -> Setup {
            let fixture = try await ServerFixture.make()
            let pki = try TestPKI()
            let node = try pki.issue(commonName: "node", server: true)
            let listener = try await FastPathListener.bind(
                host: "127.0.0.1", port: 0, certificateChain: [try Certificate(pemEncoded: node.certificatePEM)],
                privateKey: try NIOSSLPrivateKey(bytes: Array(node.keyPEM.utf8), format: .pem), ca: pki.caCertificate,
                services: fixture.services, attachTimeout: attachTimeout)
            return Setup(
                fixture: fixture, listener: listener, pki: pki,
                alice: try pki.issue(commonName: "alice", server: false),
                mallory: try pki.issue(commonName: "mallory", server: false))
        }

        func connect(
            _ identity: (certificatePEM: String, keyPEM: String),
            applicationProtocols: [String] = [FastPathFrame.applicationProtocol]
        ) async throws -> FastPathTestClient {
            try await FastPathTestClient(
                port: listener.port, caPEM: try pki.caPEM, certificatePEM: identity.certificatePEM,
                keyPEM: identity.keyPEM, applicationProtocols: applicationProtocols)
        }

        /// Tickets for the in-process connection, issued to `identity`'s certificate.
        func tickets(_ count: Int, for identity: (certificatePEM: String, keyPEM: String)) throws -> [[UInt8]] {
            let fingerprint = Peer.fingerprint(try Certificate(pemEncoded: identity.certificatePEM))!
            return fixture.services.gate.fastPath.issue(count, connection: FastPathTests.inProcessConnection, fingerprint: fingerprint)
        }
    }

    static func batch(_ calls: [Coffer_V1_PipelineCall]) -> Coffer_V1_PipelineBatch {
        var batch = Coffer_V1_PipelineBatch()
        batch.calls = calls
        return batch
    }

    @Test func aTicketAttachesOneConnectionOnceAndItsCallsActAsTheTicketsConnection() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.listener.close() } }
        try await setup.fixture.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let key = try await TokenServiceTests.generateAES(c, alice, label: "fast")
            var open = Coffer_V1_OpenSessionRequest()
            open.header = header(alice)
            let session = try await c.token.openSession(open).session
            let unary = try await c.token.encrypt(TokenServiceTests.cipher(key, alice, [1, 2, 3], session: session)).data

            let tickets = try setup.tickets(2, for: setup.alice)
            let client = try await setup.connect(setup.alice)
            let welcome = try await client.hello(tickets[0])
            #expect(welcome?.returnCode == 0)
            #expect(setup.fixture.services.gate.fastPath.attachedCount(Self.inProcessConnection) == 1)

            try await client.send(
                Self.batch([
                    PipelineServiceTests.call(1, encrypt: TokenServiceTests.cipher(key, alice, [1, 2, 3], session: session)),
                    PipelineServiceTests.call(2, encrypt: TokenServiceTests.cipher(key + 999, alice, [1], session: session)),
                    Coffer_V1_PipelineCall.with { $0.id = 3 },
                    PipelineServiceTests.call(4, encrypt: TokenServiceTests.cipher(key, alice, [1], session: session + 77)),
                    PipelineServiceTests.call(5, encrypt: TokenServiceTests.cipher(key, "00", [1])),
                    Coffer_V1_PipelineCall.with {
                        $0.id = 6
                        $0.find = .with {
                            $0.header = header(alice, session: session)
                            $0.template = [attribute(.label, .string("fast"))]
                        }
                    },
                    Coffer_V1_PipelineCall.with {
                        $0.id = 7
                        $0.find = .with {
                            $0.header = header(alice, session: session)
                            $0.template = [Coffer_V1_Attribute.with { $0.type = 0x7FFF_FFF0; $0.value = Data([1]) }]
                        }
                    },
                ]))
            var replies: [UInt64: Coffer_V1_PipelineReply] = [:]
            while replies.count < 7, let frame = try await client.next(Coffer_V1_PipelineReplies.self) {
                for reply in frame.replies { replies[reply.id] = reply }
            }
            #expect(replies[1]?.returnCode == 0)
            #expect(replies[1]?.output == unary)
            #expect(replies[1]?.revision ?? 0 > 0)
            #expect(replies[2]?.returnCode == UInt64(ReturnCode.keyHandleInvalid.rawValue))
            #expect(replies[3]?.returnCode == UInt64(ReturnCode.argumentsBad.rawValue))
            #expect(replies[4]?.returnCode == UInt64(ReturnCode.sessionHandleInvalid.rawValue))
            #expect(replies[5]?.returnCode == UInt64(ReturnCode.userNotLoggedIn.rawValue))
            #expect(replies[5]?.loginUnknown == true)
            #expect(replies[2]?.loginUnknown == false)
            // A search, answered from the thread pool: the handles, or the unary call's CKR.
            #expect(replies[6]?.returnCode == 0)
            #expect(replies[6]?.handles == [key])
            #expect(replies[7]?.returnCode == UInt64(ReturnCode.attributeTypeInvalid.rawValue))

            // The same ticket again, and the other ticket from another certificate: refused and closed.
            let again = try await setup.connect(setup.alice)
            #expect(try await again.hello(tickets[0])?.returnCode == UInt64(ReturnCode.userNotLoggedIn.rawValue))
            #expect(await again.closedByNode())
            let mallory = try await setup.connect(setup.mallory)
            #expect(try await mallory.hello(tickets[1])?.returnCode == UInt64(ReturnCode.userNotLoggedIn.rawValue))
            #expect(await mallory.closedByNode())
            // A made-up ticket.
            let guess = try await setup.connect(setup.alice)
            #expect(try await guess.hello(SecureRandom.bytes(32))?.returnCode == UInt64(ReturnCode.userNotLoggedIn.rawValue))
            #expect(await guess.closedByNode())

            // The gRPC connection closes: its fast-path connection goes with it.
            setup.fixture.services.connectionClosed(Self.inProcessConnection)
            #expect(await client.closedByNode())
            #expect(setup.fixture.services.gate.fastPath.attachedCount(Self.inProcessConnection) == 0)
        }
    }

    @Test func malformedInputOrAnotherProtocolClosesTheConnection() async throws {
        let setup = try await Setup.make()
        defer { Task { await setup.listener.close() } }
        // A first frame that is not a hello.
        let garbage = try await setup.connect(setup.alice)
        try await garbage.send(bytes: [0, 0, 0, 3, 0xFF, 0xFF, 0xFF])
        #expect(await garbage.closedByNode())
        // A length prefix beyond the limit.
        let huge = try await setup.connect(setup.alice)
        try await huge.send(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3])
        #expect(await huge.closedByNode())
        // A client that did not ask for the fast path's ALPN protocol.
        let other = try await setup.connect(setup.alice, applicationProtocols: ["h2"])
        #expect(await other.closedByNode())
        // An attached connection that sends a batch over the limit.
        let ticket = try setup.tickets(1, for: setup.alice)[0]
        let attached = try await setup.connect(setup.alice)
        #expect(try await attached.hello(ticket)?.returnCode == 0)
        let call = PipelineServiceTests.call(1, encrypt: TokenServiceTests.cipher(1, "00", [1]))
        try await attached.send(Self.batch(Array(repeating: call, count: TokenService.pipelineBatchLimit + 1)))
        #expect(await attached.closedByNode())
    }

    @Test func aConnectionThatNeverAttachesIsClosed() async throws {
        let setup = try await Setup.make(attachTimeout: .milliseconds(200))
        defer { Task { await setup.listener.close() } }
        let idle = try await setup.connect(setup.alice)
        #expect(await idle.closedByNode())
    }

    @Test func openFastPathNamesThePortOrRefuses() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            var request = Coffer_V1_OpenFastPathRequest()
            request.connections = 2
            // No listener yet.
            #expect(await returnCode { try await c.token.openFastPath(request) } == .functionNotSupported)
            f.services.gate.fastPath.port = 4242
            // Out of bounds.
            request.connections = 0
            #expect(await returnCode { try await c.token.openFastPath(request) } == .argumentsBad)
            request.connections = UInt32(TokenService.maxFastPathConnections + 1)
            #expect(await returnCode { try await c.token.openFastPath(request) } == .argumentsBad)
            // The in-process transport presents no client certificate to bind tickets to.
            request.connections = 1
            #expect(await returnCode { try await c.token.openFastPath(request) } == .functionNotSupported)
        }
    }

    @Test func ticketsAreBoundedPerConnectionAndRedeemedOnceForTheirCertificate() throws {
        let tickets = FastPathTickets()
        let channel = EmbeddedChannel()
        let first = tickets.issue(FastPathTickets.maxPerConnection, connection: "a", fingerprint: [1])
        let more = tickets.issue(1, connection: "a", fingerprint: [1])
        #expect(first.count == FastPathTickets.maxPerConnection)
        #expect(Set(first + more).count == FastPathTickets.maxPerConnection + 1)
        #expect(first.allSatisfy { $0.count == FastPathTickets.ticketByteCount })
        // The 17th ticket evicted the oldest.
        #expect(tickets.redeem(first[0], fingerprint: [1], channel: channel) == nil)
        // Another certificate cannot use a ticket, and it is spent by the attempt.
        #expect(tickets.redeem(first[1], fingerprint: [2], channel: channel) == nil)
        #expect(tickets.redeem(first[1], fingerprint: [1], channel: channel) == nil)
        // The right certificate redeems a ticket once.
        #expect(tickets.redeem(more[0], fingerprint: [1], channel: channel) == "a")
        #expect(tickets.redeem(more[0], fingerprint: [1], channel: channel) == nil)
        #expect(tickets.attachedCount("a") == 1)
        // A closed connection's tickets lapse.
        tickets.connectionClosed("a")
        #expect(tickets.redeem(first[2], fingerprint: [1], channel: channel) == nil)
        #expect(tickets.attachedCount("a") == 0)
    }
}
