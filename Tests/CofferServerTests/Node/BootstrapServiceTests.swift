// BootstrapService.Initialize in process: argument checks, what it writes, and refusal of a second call.

import CofferCrypto
import CofferProtocol
import CofferServer
import CofferState
import CofferStoreMemory
import Foundation
import GRPCCore
import Logging
import Synchronization
import Testing

@Suite("BootstrapService")
struct BootstrapServiceTests {
    static let context = ServerContext(
        descriptor: MethodDescriptor(fullyQualifiedService: "coffer.v1.BootstrapService", method: "Initialize"),
        remotePeer: "ipv4:127.0.0.1:1", localPeer: "ipv4:127.0.0.1:2", cancellation: .init())

    static func request(threshold: UInt32 = 1, shares: UInt32 = 1, admin: String = "root")
        -> Coffer_V1_InitializeRequest
    {
        var request = Coffer_V1_InitializeRequest()
        request.threshold = threshold
        request.shares = shares
        request.adminName = admin
        request.adminPassword = Data("a good password".utf8)
        return request
    }

    @Test func initializesOnceAndRefusesAgain() async throws {
        let state = try await StateMachine(
            store: MemoryStateStore(), crypto: try CryptoModule.start(),
            passwordCost: PasswordVerifier.Cost(log2Rounds: 4, blockSize: 1, parallelism: 1))
        let folder = try CofferdProcess.temporaryDirectory()
        var configuration = NodeConfiguration.defaults(dev: false)
        configuration.dataDirectory = folder
        let calls = CallCount()
        let service = BootstrapService(
            state: state, configuration: configuration, directory: DataDirectory(path: folder), nodeID: "node-test",
            logger: Logger(label: "test")
        ) { calls.value.add(1, ordering: .sequentiallyConsistent) }

        // Bad arguments change nothing.
        for bad in [
            Self.request(threshold: 2, shares: 1), Self.request(threshold: 0, shares: 1), Self.request(shares: 17),
            Self.request(admin: ""),
        ] {
            let error = await rpcError { _ = try await service.initialize(request: bad, context: Self.context) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.metadata[stringValues: CofferWire.returnCodeMetadataKey].first(where: { _ in true }) == "7")
        }
        #expect(state.status == .uninitialized)

        let reply = try await service.initialize(request: Self.request(threshold: 2, shares: 3), context: Self.context)
        #expect(reply.shares.count == 3)
        #expect(calls.value.load(ordering: .sequentiallyConsistent) == 1)
        #expect(state.status == .sealed(given: 0, threshold: 2))
        #expect(FileManager.default.fileExists(atPath: folder + "/tls/server-key.pem"))
        #expect(try String(contentsOfFile: folder + "/tls/ca.pem", encoding: .utf8) == reply.caCertificatePem)

        let again = await rpcError { _ = try await service.initialize(request: Self.request(), context: Self.context) }
        #expect(again?.code == .failedPrecondition)
        #expect(
            again?.metadata[stringValues: CofferWire.returnCodeMetadataKey].first(where: { _ in true })
                == "\(ReturnCode.actionProhibited.rawValue)")
        #expect(calls.value.load(ordering: .sequentiallyConsistent) == 1)
        try await state.unseal(shareText: reply.shares[1])
        #expect(try await state.unseal(shareText: reply.shares[2]) == .unsealed)
    }
}

/// Counts calls of the initialized callback.
final class CallCount: Sendable {
    let value = Atomic<Int>(0)
}
