// The one place where the state machine writes: a command (a value) is planned against the index,
// the participants add what must land with it, the plan is sealed and committed with its compares,
// a lost race is planned again from the index that caught up with the winner, and the call returns
// once the index reflects the write. The transaction goes through the `TransactionBatcher`, which
// sends concurrent independent commits as one. No other code seals a record or calls
// `store.transact`, but for the freshness heartbeat and the pruning of expired receipts, which are not
// state (StateMachine+Freshness.swift, StateMachine+Receipts.swift).

import CofferCrypto
import CofferModel

extension StateMachine {
    /// How often a command is planned and tried before a lost race is reported as `.conflict`.
    public static let maxCommitAttempts = 5

    /// The pauses before a repeatable command whose transaction ended with an unknown outcome (the
    /// store unavailable mid-call: an etcd member killed, an election) is planned and sent again.
    static let unknownOutcomePauses: [Duration] = [.milliseconds(200), .milliseconds(800)]

    /// Commits `command`. `plan` reads the index and returns the command's writes and the caller's
    /// result; it runs again after each lost race, so it must read afresh and may throw to refuse
    /// (a user created meanwhile, an object destroyed meanwhile).
    ///
    /// - Parameters:
    ///   - actor: who asked for it, for the participants.
    ///   - barrier: the barrier to seal with; the state's own when nil (initialization passes the
    ///     new one, before the state is open).
    ///   - attempts: tries before `.conflict`; 1 for commands whose lost race has a meaning of its
    ///     own (initialization, create-if-absent).
    ///   - awaitIndex: whether to return only once the index reflects the write.
    ///   - repeatable: whether `plan` finds out for itself that an earlier try of the command landed
    ///     (it then returns an empty plan). Such a command whose transaction ended with an unknown
    ///     outcome (`StoreError.unavailable`, not `.refused`) is planned and sent again after
    ///     `unknownOutcomePauses`, instead of leaving the caller not knowing whether it took effect.
    @discardableResult
    func commit<Result>(
        _ command: Command, by actor: UserID?, barrier: Barrier? = nil, attempts: Int = maxCommitAttempts,
        awaitIndex: Bool = true, repeatable: Bool = false, plan: () throws(StateError) -> (WritePlan, Result)
    ) async throws(StateError) -> Result {
        let sealer: Barrier
        if let barrier { sealer = barrier } else { sealer = try requireBarrier() }
        var pauses = repeatable ? Self.unknownOutcomePauses[...] : []
        var attempt = 0
        var sentWithUnknownOutcome = false
        while attempt < max(1, attempts) {
            attempt += 1
            var (writePlan, result) = try plan()
            // Nothing to write: the command has taken effect already (this call's own earlier try, a
            // repeated request, or someone else's). A command that needs approvals still goes to the
            // participants unless its own earlier try landed: changing nothing is no way round its
            // quorum, so a missing, used, expired or foreign token is refused as for a change, and a
            // valid one is spent with the command's audit entry.
            if writePlan.preconditions.isEmpty, writePlan.writes.isEmpty,
                sentWithUnknownOutcome || !needsApprovals(command, by: actor)
            {
                return result
            }
            let pending = PendingCommit(
                command: command, actor: actor, attempt: attempt, actorName: actor.flatMap { try? user($0).name },
                userName: { [weak self] id in try? self?.user(id).name },
                user: { [weak self] id in try? self?.user(id) },
                systemRecord: { [weak self] name in self?.state.withLock { $0.index.systemRecords[name] } },
                label: { [weak self] handle in self?.state.withLock { $0.index.objects[handle]?.object.label } },
                object: { [weak self] handle in self?.state.withLock { $0.index.objects[handle]?.object } })
            for participant in participants { try participant.prepare(pending, plan: &writePlan) }
            if writePlan.preconditions.isEmpty, writePlan.writes.isEmpty { return result }
            let (compares, operations) = try Self.storeOperations(of: writePlan, barrier: sealer)
            let outcome: TransactionResult
            do {
                outcome = try await batcher.transact(compare: compares, success: operations)
            } catch {
                // A refusal applied nothing, and waiting would not tell more about an earlier try.
                let failure = StateError(error)
                guard case StoreError.unavailable = error, let pause = pauses.popFirst() else { throw failure }
                // Plan again (not a lost race): if the lost try landed, the new one's compares fail on
                // its handles, and the next plan, once the index has the winner, finds them made.
                try? await Task.sleep(for: pause)
                sentWithUnknownOutcome = true
                attempt -= 1
                continue
            }
            if outcome.succeeded {
                if !participants.isEmpty, command.isTheCall { AuditContext.current?.markRecorded() }
                if awaitIndex { try await waitForIndex(outcome.revision) }
                return result
            }
            // Lost a race: the winner's write is at or before the store's revision now; plan again once
            // the index has it.
            if attempt < attempts, awaitIndex { try await waitForIndex(outcome.revision) }
        }
        throw .conflict
    }

    /// Whether `command`, asked for by `actor`, is one its service's quorum (or its key's key-usage
    /// quorum) guards now.
    func needsApprovals(_ command: Command, by actor: UserID?) -> Bool {
        GuardedService.of(command, actor: actor) != nil && approvalsNeeded(for: command) > 0
    }

    /// The most records of `operationsPerRecord` store operations each that one commit may hold,
    /// leaving room for what the participants add.
    func recordsPerCommit(operationsPerRecord: Int) -> Int {
        let reserved = participants.reduce(0) { $0 + $1.reservedOperations }
        let available = store.limits.maxOperationsPerTransaction - reserved
        return max(1, available / max(1, operationsPerRecord))
    }

    /// Seals a plan into a transaction.
    static func storeOperations(
        of plan: WritePlan, barrier: Barrier
    ) throws(StateError) -> (compares: [StoreCompare], operations: [StoreOperation]) {
        let compares = plan.preconditions.map { precondition -> StoreCompare in
            switch precondition {
            case .absent(let key): .version(key: key, equals: 0)
            case .unchanged(let key, let modRevision): .modRevision(key: key, equals: modRevision)
            }
        }
        var operations: [StoreOperation] = []
        operations.reserveCapacity(plan.writes.count)
        for write in plan.writes {
            switch write {
            case .put(let key, let value):
                do { operations.append(.put(key: key, value: try barrier.seal(value, recordKey: key))) } catch {
                    throw .barrier(error)
                }
            case .putPlain(let key, let value): operations.append(.put(key: key, value: value))
            case .delete(let key): operations.append(.delete(key: key))
            }
        }
        return (compares, operations)
    }
}
