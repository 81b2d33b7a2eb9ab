// BootstrapService.Initialize: turns a never-initialized node into a cluster's first node. Served
// only on the bootstrap listener; the node switches to mTLS once it has answered.

import CofferCrypto
import CofferProtocol
import CofferState
import Foundation
import GRPCCore
import Logging
import Synchronization

/// Initializes the cluster: seal configuration and first admin, cluster CA, the node's server
/// certificate and an admin client certificate. Answers once; later calls are refused.
public final class BootstrapService: Coffer_V1_BootstrapService.SimpleServiceProtocol {
    /// The most shares a cluster may be split into.
    public static let maximumShares = 16

    let state: StateMachine
    let configuration: NodeConfiguration
    let directory: DataDirectory
    let nodeID: String
    let logger: Logger
    let onInitialized: @Sendable () -> Void
    private let started = Atomic<Bool>(false)

    /// - Parameter onInitialized: called after a successful Initialize has written everything, before
    ///   the reply is sent (the node then drains the bootstrap listener and starts the mTLS one).
    public init(
        state: StateMachine, configuration: NodeConfiguration, directory: DataDirectory, nodeID: String,
        logger: Logger, onInitialized: @escaping @Sendable () -> Void
    ) {
        self.state = state
        self.configuration = configuration
        self.directory = directory
        self.nodeID = nodeID
        self.logger = logger
        self.onInitialized = onInitialized
    }

    public func initialize(
        request: Coffer_V1_InitializeRequest, context: ServerContext
    ) async throws -> Coffer_V1_InitializeResponse {
        let shares = Int(request.shares)
        let threshold = Int(request.threshold)
        guard (1...Self.maximumShares).contains(shares), (1...shares).contains(threshold) else {
            throw RPCError.bootstrap(
                .invalidArgument, "shares must be 1 to \(Self.maximumShares) and threshold 1 to shares",
                returnCode: ReturnCode.argumentsBad.rawValue)
        }
        guard (1...64).contains(request.adminName.count), !request.adminName.contains(where: \.isNewline) else {
            throw RPCError.bootstrap(
                .invalidArgument, "the admin name must be 1 to 64 characters",
                returnCode: ReturnCode.argumentsBad.rawValue)
        }
        let clusterName = request.clusterName.isEmpty ? configuration.clusterName : request.clusterName
        do { try NodeConfiguration.validateClusterName(clusterName) } catch {
            throw RPCError.bootstrap(.invalidArgument, error.description, returnCode: ReturnCode.argumentsBad.rawValue)
        }
        guard state.status == .uninitialized, !started.exchange(true, ordering: .sequentiallyConsistent) else {
            throw RPCError.bootstrap(.alreadyInitialized)
        }
        var password = [UInt8](request.adminPassword)
        let made: [ShamirShare]
        do {
            made = try await state.initialize(
                threshold: threshold, shares: shares, adminName: request.adminName,
                adminPassword: SecretBytes(consuming: &password))
        } catch {
            // Nothing was written (the store's transaction is all or nothing): allow another try.
            if error != .alreadyInitialized { started.store(false, ordering: .sequentiallyConsistent) }
            throw RPCError.bootstrap(error)
        }
        logger.notice(
            "cluster initialized",
            metadata: ["threshold": "\(threshold)", "shares": "\(shares)", "cluster": "\(clusterName)"])
        var response = Coffer_V1_InitializeResponse()
        do {
            let ca = try await ClusterCA.loadOrCreate(in: state, clusterName: clusterName)
            try NodeCredentials.issue(from: ca, nodeID: nodeID, configuration: configuration, in: directory)
            let client = try ca.issueClientBundle(commonName: request.adminName, profile: .adminWorkstation)
            response.header.revision = state.revision
            response.shares = made.map { $0.text() }
            response.caCertificatePem = try ca.certificatePEM
            response.clientCertificatePem = client.certificatePEM
            response.clientPrivateKeyPem = client.privateKeyPEM
        } catch {
            logger.error(
                "initialized, but making the cluster CA or the node certificate failed", metadata: ["error": "\(error)"]
            )
            throw RPCError.bootstrap(
                .internalError, "the cluster CA or node certificate could not be made",
                returnCode: ReturnCode.deviceError.rawValue)
        }
        // The custodians prove their shares by unsealing: the node starts its mTLS life sealed.
        state.seal()
        onInitialized()
        return response
    }
}
