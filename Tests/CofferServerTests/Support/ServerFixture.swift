// The services over a fresh in-memory state (initialized 1-of-1, cheap password verifiers), served on
// grpc-swift's in-process transport to the generated clients, with helpers for headers and CKRs.

import CofferCrypto
import CofferModel
import CofferProtocol
import CofferServer
import CofferState
import CofferStoreMemory
import Foundation
import GRPCCore
import GRPCInProcessTransport

typealias Transport = InProcessTransport.Client

/// The three generated clients over one connection.
struct Clients: Sendable {
    let node: Coffer_V1_NodeService.Client<Transport>
    let users: Coffer_V1_UserService.Client<Transport>
    let token: Coffer_V1_TokenService.Client<Transport>

    init(_ client: GRPCClient<Transport>) {
        node = .init(wrapping: client)
        users = .init(wrapping: client)
        token = .init(wrapping: client)
    }

    func login(_ name: String, _ password: String) async throws -> String {
        var request = Coffer_V1_LoginRequest()
        request.userName = name
        request.password = Data(password.utf8)
        return try await node.login(request).loginToken
    }

    /// Creates a crypto-user (as the admin) and logs it in.
    func cryptoUser(_ name: String, admin: String) async throws -> String {
        var request = Coffer_V1_CreateUserRequest()
        request.header = header(admin)
        request.name = name
        request.role = .cryptoUser
        request.password = Data(ServerFixture.password(name).utf8)
        _ = try await users.createUser(request)
        return try await login(name, ServerFixture.password(name))
    }
}

struct ServerFixture {
    static let cheapCost = PasswordVerifier.Cost(log2Rounds: 4, blockSize: 1, parallelism: 1)
    static let crypto: CryptoModule = try! CryptoModule.start()
    static let adminPassword = "admin-password"

    let state: StateMachine
    let services: CofferServices

    static func make(indexTimeout: Duration = .seconds(10)) async throws -> ServerFixture {
        let state = try await StateMachine(store: MemoryStateStore(), crypto: crypto, passwordCost: cheapCost, indexTimeout: indexTimeout)
        _ = try await state.initialize(threshold: 1, shares: 1, adminName: "admin", adminPassword: SecretBytes(Array(adminPassword.utf8)))
        let services = CofferServices(state: state, node: NodeInfo(nodeID: "node-1", version: "test", clusterName: "test-cluster"))
        return ServerFixture(state: state, services: services)
    }

    static func password(_ name: String) -> String { "pw-\(name)-secret" }

    /// Serves the services in-process and runs `body` with clients over one connection.
    func run<R: Sendable>(_ body: (Clients) async throws -> R) async throws -> R {
        let transport = InProcessTransport()
        return try await withGRPCServer(transport: transport.server, services: services.services) { _ in
            try await withGRPCClient(transport: transport.client) { client in try await body(Clients(client)) }
        }
    }
}

func header(_ token: String, session: UInt64 = 0, minRevision: Int64 = 0) -> Coffer_V1_RequestHeader {
    var header = Coffer_V1_RequestHeader()
    header.loginToken = token
    header.session = session
    header.minRevision = minRevision
    return header
}

func attribute(_ type: AttributeType, _ value: AttributeValue) -> Coffer_V1_Attribute {
    var attribute = Coffer_V1_Attribute()
    attribute.type = type.rawValue
    attribute.value = Data(value.rawBytes)
    return attribute
}

func mechanism(_ type: MechanismType, _ parameter: Coffer_V1_Mechanism.OneOf_Parameter? = nil) -> Coffer_V1_Mechanism {
    var mechanism = Coffer_V1_Mechanism()
    mechanism.type = UInt64(type.rawValue)
    mechanism.parameter = parameter
    return mechanism
}

/// Whether a failed call carried `coffer-login: unknown` (the node does not hold its login); nil when
/// it succeeded or failed without a CKR.
func loginUnknown<T>(_ body: () async throws -> T) async -> Bool? {
    do {
        _ = try await body()
        return nil
    } catch let error as RPCError {
        guard error.metadata[stringValues: CofferWire.returnCodeMetadataKey].contains(where: { _ in true }) else { return nil }
        return error.metadata[stringValues: CofferWire.loginMetadataKey].contains("unknown")
    } catch {
        return nil
    }
}

/// The CKR a failed call carried, or nil when it succeeded or failed without one.
func returnCode<T>(_ body: () async throws -> T) async -> ReturnCode? {
    do {
        _ = try await body()
        return nil
    } catch let error as RPCError {
        return error.metadata[stringValues: CofferWire.returnCodeMetadataKey].first(where: { _ in true }).flatMap { UInt($0) }
            .map(ReturnCode.init(rawValue:))
    } catch {
        return nil
    }
}
