// The staleness bound. A node on a shared store (etcd) proves, once a second, that its index is
// current: it writes its heartbeat record and waits for its own watch to deliver it. A watch
// delivers in revision order, so once the heartbeat arrives every change committed before it has
// arrived too. A node that has gone longer than the bound without such a proof (etcd without
// quorum, the node cut off, its watch broken) refuses key use, logins and searches with a clear
// error rather than serve a view in which a deleted user, a destroyed key or a withdrawn share
// might still work. A local store (SQLite, memory) needs no bound: its watch is in-process.
//
// The heartbeat is the one write that does not go through the commit seam: it is not state, no
// participant sees it, and the index ignores its record.

import CofferModel

/// How a node on a shared store bounds the staleness of what it serves.
public struct FreshnessPolicy: Sendable, Equatable {
    /// The longest a node serves without a proof that it is current.
    public var bound: Duration
    /// How often the node proves it.
    public var interval: Duration
    /// The node's name in its heartbeat record's key (its node id).
    public var nodeName: String

    public init(bound: Duration = .seconds(10), interval: Duration = .seconds(1), nodeName: String) {
        self.bound = bound
        self.interval = interval
        self.nodeName = nodeName
    }
}

/// What a node knows about how current it is.
public struct Freshness: Sendable, Equatable {
    /// How long ago the node last proved its index current; nil without a staleness bound.
    public var sinceLastProof: Duration?
    /// The watch failures since the node was unsealed, and the last one's description.
    public var watchFailures: Int
    public var lastWatchFailure: String?
}

extension StateMachine {
    /// How current the node is, for status reports.
    public var freshness: Freshness {
        let now = ContinuousClock.now
        return state.withLock { s in
            Freshness(
                sinceLastProof: freshnessPolicy == nil ? nil : s.provenCurrentAt.map { now - $0 },
                watchFailures: s.watchFailures, lastWatchFailure: s.lastWatchFailure)
        }
    }

    /// Throws `.stale` when the node has a staleness bound and has gone past it.
    func requireFresh() throws(StateError) {
        guard freshnessPolicy != nil else { return }
        try checkFresh(state.withLock { $0.provenCurrentAt })
    }

    /// As `requireFresh`, for a proof time already read under the state's lock.
    func checkFresh(_ provenCurrentAt: ContinuousClock.Instant?) throws(StateError) {
        guard let policy = freshnessPolicy else { return }
        guard let proven = provenCurrentAt else { throw .stale(since: nil, bound: policy.bound) }
        let age = ContinuousClock.now - proven
        if age > policy.bound { throw .stale(since: age, bound: policy.bound) }
    }

    /// Starts proving the index current once per interval, while `barrier` is the state's.
    func startHeartbeat(barrier: Barrier) {
        guard let policy = freshnessPolicy else { return }
        // The snapshot just loaded is current as of now.
        let task = Task { [weak self] in
            guard let self else { return }
            await self.heartbeat(policy, barrier: barrier)
        }
        state.withLock { s in
            s.provenCurrentAt = .now
            s.heartbeatTask?.cancel()
            s.heartbeatTask = task
        }
    }

    private func heartbeat(_ policy: FreshnessPolicy, barrier: Barrier) async {
        let key = RecordKey.heartbeat(policy.nodeName)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            guard state.withLock({ $0.barrier === barrier }) else { return }
            do {
                let result = try await store.transact(
                    compare: [], success: [.put(key: key, value: Array(policy.nodeName.utf8))], failure: [])
                try await waitForIndex(result.revision)
                state.withLock { s in
                    guard s.barrier === barrier else { return }
                    if s.provenCurrentAt.map({ $0 < started }) ?? true { s.provenCurrentAt = started }
                }
            } catch {
                // Not proven this round; the bound decides when that matters.
            }
            try? await Task.sleep(until: started + policy.interval)
        }
    }
}
