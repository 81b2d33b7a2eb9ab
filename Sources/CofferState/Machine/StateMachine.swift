// The state machine: it turns commands into sealed records written through a `StateStore`, and
// keeps an in-memory index of users and objects current from the store's watch. Nothing is
// served while sealed. Writes return only once the index reflects them (read-your-writes).

import CofferCrypto
import CofferModel
import Synchronization

/// Coffer's replicated state, as one node sees it.
public final class StateMachine: Sendable {
    /// Where the seal stands.
    public enum Status: Sendable, Equatable {
        case uninitialized
        case sealed(given: Int, threshold: Int)
        case unsealed
    }

    let store: any StateStore
    /// Every commit's transaction goes through it: concurrent independent ones travel as one.
    let batcher: TransactionBatcher
    let crypto: CryptoModule
    let passwordCost: PasswordVerifier.Cost
    /// How long a write waits for the index to apply it.
    let indexTimeout: Duration
    /// What takes part in every commit (StateMachine+Commit.swift).
    let participants: [any CommitParticipant]
    /// The staleness bound, for a node on a shared store; nil for a local one.
    let freshnessPolicy: FreshnessPolicy?
    let state = Mutex(MutableState())

    struct MutableState: ~Copyable {
        var configuration: SealConfiguration?
        var unsealer: Unsealer?
        var barrier: Barrier?
        var index = ObjectIndex()
        /// Session objects: in memory only, never in the store.
        var sessionObjects = SessionObjectTable()
        /// Keys of records that failed to open or decode (tampering or corruption); never their values.
        var corruptRecords: Set<[UInt8]> = []
        var waiters: [UInt64: (revision: Int64, continuation: CheckedContinuation<Void, any Error>)] = [:]
        var nextWaiterID: UInt64 = 0
        var watchTask: Task<Void, Never>?
        var heartbeatTask: Task<Void, Never>?
        /// Watches for a peer's seal configuration while this node has none.
        var configurationTask: Task<Void, Never>?
        /// When the node last proved its index current (StateMachine+Freshness.swift).
        var provenCurrentAt: ContinuousClock.Instant?
        /// When this node last started pruning expired receipts (StateMachine+Receipts.swift).
        var receiptsPrunedAt: ContinuousClock.Instant?
        var watchFailures = 0
        var lastWatchFailure: String?
        /// How the barrier in place was opened; nil while sealed.
        var unsealedBy: UnsealMethod?
    }

    /// Opens the state over `store`. It starts sealed (or uninitialized); call `unseal` or `initialize`.
    /// - Parameters:
    ///   - passwordCost: the scrypt cost of new password verifiers (tests pass a cheap one).
    ///   - participants: what takes part in every commit, in order (the audit log, approvals).
    ///   - freshness: the staleness bound of a node on a shared store (etcd); nil for a local store.
    public init(
        store: any StateStore,
        crypto: CryptoModule,
        passwordCost: PasswordVerifier.Cost = .standard,
        indexTimeout: Duration = .seconds(10),
        participants: [any CommitParticipant] = [],
        freshness: FreshnessPolicy? = nil
    ) async throws(StateError) {
        self.participants = participants
        self.freshnessPolicy = freshness
        self.store = store
        self.batcher = TransactionBatcher(store: store)
        self.crypto = crypto
        self.passwordCost = passwordCost
        self.indexTimeout = indexTimeout
        let stored: KeyValue?
        let readAt: Int64
        do {
            readAt = try await store.currentRevision()
            stored = try await store.get(RecordKey.sealConfiguration, at: readAt)
        } catch {
            throw StateError(error)
        }
        if let stored {
            let configuration: SealConfiguration
            do { configuration = try SealConfiguration(encoded: stored.value) } catch { throw .barrier(error) }
            state.withLock {
                $0.configuration = configuration
                $0.unsealer = Unsealer(configuration: configuration)
            }
        } else {
            // A node of a cluster may be up before a peer initializes it: it learns of the seal
            // configuration from the store and becomes sealed, waiting for its shares.
            // Opened here, not in the task, so no write after `readAt` can be missed however late the task runs.
            let stream = store.watch(prefix: RecordKey.sealConfiguration, fromRevision: readAt + 1)
            let task = Task { [weak self] in
                do {
                    for try await events in stream {
                        guard let put = events.last(where: { $0.kind == .put && $0.keyValue.key == RecordKey.sealConfiguration }),
                            let configuration = try? SealConfiguration(encoded: put.keyValue.value)
                        else { continue }
                        self?.adopt(configuration)
                        return
                    }
                } catch {
                    // The store failed; the node stays uninitialized until restarted, as before this watch.
                }
            }
            state.withLock { $0.configurationTask = task }
        }
    }

    /// Takes a seal configuration a peer wrote, unless this node has one already.
    private func adopt(_ configuration: SealConfiguration) {
        state.withLock {
            guard $0.configuration == nil else { return }
            $0.configuration = configuration
            $0.unsealer = Unsealer(configuration: configuration)
        }
    }

    /// The seal status.
    public var status: Status {
        state.withLock { s in
            if s.barrier != nil { return .unsealed }
            guard let unsealer = s.unsealer else { return .uninitialized }
            switch unsealer.progress {
            case .sealed(let given, let threshold): return .sealed(given: given, threshold: threshold)
            case .unsealed: return .unsealed
            }
        }
    }

    /// How the state was unsealed; nil while it is sealed.
    public var unsealMethod: UnsealMethod? { state.withLock { $0.barrier == nil ? nil : $0.unsealedBy } }

    /// The store revision the index reflects.
    public var revision: Int64 { state.withLock { $0.index.revision } }

    /// Keys of records that failed to open: evidence of tampering or corruption.
    public var corruptRecordKeys: Set<[UInt8]> { state.withLock { $0.corruptRecords } }

    /// Makes the domain key, splits it `threshold`-of-`shares`, writes the seal configuration and the first
    /// admin, and leaves the state unsealed. Returns the shares: their only copy.
    public func initialize(
        threshold: Int, shares: Int, adminName: String, adminPassword: SecretBytes
    ) async throws(StateError) -> [ShamirShare] {
        guard state.withLock({ $0.configuration == nil }) else { throw .alreadyInitialized }
        let made: (configuration: SealConfiguration, shares: [ShamirShare], barrier: Barrier)
        do { made = try Initializer.initialize(threshold: threshold, shares: shares) } catch { throw .barrier(error) }
        let admin = try makeUser(name: adminName, role: .admin, password: adminPassword)
        let writes = [WritePlan.Write.putPlain(key: RecordKey.sealConfiguration, value: made.configuration.encoded())]
            + (try userWrites(admin, barrier: made.barrier))
        do {
            try await commit(
                .initialize(threshold: threshold, shares: shares, adminName: adminName), by: nil, barrier: made.barrier,
                attempts: 1, awaitIndex: false
            ) { () throws(StateError) in
                (WritePlan(preconditions: [.absent(RecordKey.sealConfiguration)], writes: writes), ())
            }
        } catch .conflict {
            throw .alreadyInitialized
        }
        state.withLock {
            $0.configuration = made.configuration
            $0.unsealer = Unsealer(configuration: made.configuration)
            $0.configurationTask?.cancel()
        }
        try await open(with: made.barrier, by: .initialization)
        return made.shares
    }

    /// Gives one unseal share (its text form). Once enough valid shares are in, loads the index and serves.
    /// A wrong share throws and leaves the shares already given in place.
    @discardableResult
    public func unseal(shareText: String) async throws(StateError) -> Status {
        guard let unsealer = state.withLock({ $0.unsealer }) else { throw .notInitialized }
        if state.withLock({ $0.barrier != nil }) { return .unsealed }
        let progress: UnsealProgress
        do { progress = try unsealer.submit(shareText: shareText) } catch { throw .barrier(error) }
        switch progress {
        case .sealed(let given, let threshold):
            return .sealed(given: given, threshold: threshold)
        case .unsealed:
            let barrier: Barrier
            do { barrier = try unsealer.requireBarrier() } catch { throw .barrier(error) }
            do {
                try await open(with: barrier, by: .shares)
            } catch {
                unsealer.seal()
                throw error
            }
            return .unsealed
        }
    }

    /// Drops the domain key and the index; the state serves nothing until unsealed again.
    public func seal() {
        let task = state.withLock { s -> Task<Void, Never>? in
            s.barrier = nil
            s.unsealedBy = nil
            s.unsealer?.seal()
            s.index = ObjectIndex()
            s.sessionObjects = SessionObjectTable()
            let task = s.watchTask
            s.watchTask = nil
            s.heartbeatTask?.cancel()
            s.heartbeatTask = nil
            s.provenCurrentAt = nil
            for (_, waiter) in s.waiters { waiter.continuation.resume(throwing: StateError.sealed) }
            s.waiters = [:]
            return task
        }
        task?.cancel()
    }

    /// The barrier, or `.sealed`.
    func requireBarrier() throws(StateError) -> Barrier {
        guard let barrier = state.withLock({ $0.barrier }) else { throw .sealed }
        return barrier
    }

    /// The mechanisms, or `.crypto(.libraryFailed)` after a failed self-test.
    var mechanisms: MechanismRegistry {
        get throws(StateError) {
            do { return try crypto.mechanisms() } catch { throw .crypto(error) }
        }
    }

    deinit {
        state.withLock {
            $0.watchTask?.cancel()
            $0.heartbeatTask?.cancel()
            $0.configurationTask?.cancel()
        }
    }
}
