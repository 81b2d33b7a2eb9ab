// JoinService in process: a second state machine on the store another one initialized takes the
// cluster's shares over the join listener's service, hands over once, refuses everything else, and
// seals again when its certificate cannot be issued.

import CofferCrypto
import CofferProtocol
import CofferServer
import CofferState
import CofferStoreMemory
import Foundation
import GRPCCore
import Logging
import Testing
import X509

@Suite("JoinService")
struct JoinServiceTests {
    static let cost = PasswordVerifier.Cost(log2Rounds: 4, blockSize: 1, parallelism: 1)

    static func context(_ method: String) -> ServerContext {
        ServerContext(
            descriptor: MethodDescriptor(fullyQualifiedService: "coffer.v1.NodeService", method: method),
            remotePeer: "ipv4:127.0.0.1:1", localPeer: "ipv4:127.0.0.1:2", cancellation: .init())
    }

    static func unseal(_ service: JoinService, _ share: String) async throws -> Coffer_V1_UnsealResponse {
        var request = Coffer_V1_UnsealRequest()
        request.share = share
        return try await service.unseal(request: request, context: context("Unseal"))
    }

    /// A store initialized 2-of-3 by a first node (with its cluster CA), and a second node's state on it.
    static func cluster() async throws -> (first: StateMachine, second: StateMachine, shares: [String]) {
        let store = MemoryStateStore()
        let crypto = try CryptoModule.start()
        let first = try await StateMachine(store: store, crypto: crypto, passwordCost: cost)
        var password = Array("a good password".utf8)
        let shares = try await first.initialize(
            threshold: 2, shares: 3, adminName: "root", adminPassword: SecretBytes(consuming: &password))
        _ = try await ClusterCA.loadOrCreate(in: first, clusterName: "c")
        let second = try await StateMachine(store: store, crypto: crypto, passwordCost: cost)
        return (first, second, shares.map { $0.text() })
    }

    @Test func sharesUnsealAndHandOverOnce() async throws {
        let (first, second, shares) = try await Self.cluster()
        #expect(second.status == .sealed(given: 0, threshold: 2))
        let folder = try CofferdProcess.temporaryDirectory()
        var configuration = NodeConfiguration.defaults(dev: false)
        configuration.dataDirectory = folder
        let settings = configuration
        let directory = DataDirectory(path: folder)
        let calls = CallCount()
        let service = JoinService(
            state: second, node: NodeInfo(nodeID: "node-two", version: "0", clusterName: "c"),
            logger: Logger(label: "test")
        ) {
            calls.value.add(1, ordering: .sequentiallyConsistent)
            try NodeCredentials.issue(
                from: try ClusterCA.load(from: second), nodeID: "node-two", configuration: settings,
                in: directory)
        }

        let status = try await service.getStatus(request: .init(), context: Self.context("GetStatus"))
        #expect(status.sealState == .sealed && status.threshold == 2 && status.nodeID == "node-two")
        let login = await rpcError { _ = try await service.login(request: .init(), context: Self.context("Login")) }
        #expect(login?.code == .failedPrecondition)

        let wrong = await rpcError { _ = try await Self.unseal(service, "coffer-share:not-a-share") }
        #expect(wrong != nil)
        #expect(second.status == .sealed(given: 0, threshold: 2))

        let one = try await Self.unseal(service, shares[0])
        #expect(one.sealState == .sealed && one.sharesGiven == 1)
        #expect(calls.value.load(ordering: .sequentiallyConsistent) == 0)
        let two = try await Self.unseal(service, shares[2])
        #expect(two.sealState == .unsealed)
        #expect(second.status == .unsealed)
        #expect(calls.value.load(ordering: .sequentiallyConsistent) == 1)
        // A late share changes nothing and issues nothing twice.
        #expect(try await Self.unseal(service, shares[1]).sealState == .unsealed)
        #expect(calls.value.load(ordering: .sequentiallyConsistent) == 1)

        // The certificate is the cluster CA's, for this node.
        let credentials = try #require(try NodeCredentials.load(from: directory))
        let ca = try ClusterCA.load(from: first)
        #expect(credentials.ca == ca.certificate)
        #expect(credentials.certificate.issuer == ca.certificate.subject)
        #expect(credentials.certificate.subject.description.contains("node-two"))
    }

    @Test func aFailedHandOverSealsAgain() async throws {
        let (_, second, shares) = try await Self.cluster()
        struct NoCertificate: Error {}
        let service = JoinService(
            state: second, node: NodeInfo(nodeID: "node-two", version: "0", clusterName: "c"),
            logger: Logger(label: "test")
        ) { throw NoCertificate() }
        _ = try await Self.unseal(service, shares[0])
        let error = await rpcError { _ = try await Self.unseal(service, shares[1]) }
        #expect(error?.code == .internalError)
        #expect(second.status == .sealed(given: 0, threshold: 2))
    }
}
