// What a replicated store can say about its own members, for `coffer cluster status`. Local stores
// (SQLite, memory) have none; the etcd store reports etcd's members and leader.

/// One member of the store's own cluster (an etcd member).
public struct StoreMember: Sendable, Equatable {
    public var name: String
    public var clientURLs: [String]
    public var isLeader: Bool
    public var isLearner: Bool

    public init(name: String, clientURLs: [String], isLeader: Bool, isLearner: Bool) {
        self.name = name
        self.clientURLs = clientURLs
        self.isLeader = isLeader
        self.isLearner = isLearner
    }
}

/// A store that runs on a cluster of its own.
public protocol ReplicatedStateStore: StateStore {
    /// A short name of the backend ("etcd").
    var backendName: String { get }
    /// The members as the store cluster reports them, and which one leads.
    func members() async throws -> [StoreMember]
}
