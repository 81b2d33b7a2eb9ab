// The gRPC services a node serves, built over one StateMachine. cofferd registers `services` with
// its GRPCServer; tests can register them on an in-process transport.

import CofferState
import GRPCCore

/// What a node says about itself in GetStatus.
public struct NodeInfo: Sendable {
    public var nodeID: String
    public var version: String
    public var clusterName: String

    public init(nodeID: String, version: String, clusterName: String) {
        self.nodeID = nodeID
        self.version = version
        self.clusterName = clusterName
    }
}

/// Coffer's gRPC services over one state machine.
public final class CofferServices: Sendable {
    public let state: StateMachine
    public let node: NodeInfo
    /// How long a certificate-scoped login (the CLI's) stays valid without use.
    public let loginIdleTimeout: Duration

    public init(state: StateMachine, node: NodeInfo, loginIdleTimeout: Duration = .seconds(900)) {
        self.state = state
        self.node = node
        self.loginIdleTimeout = loginIdleTimeout
    }

    /// The services to register with a `GRPCServer`.
    public var services: [any RegistrableRPCService] { [] }
}
