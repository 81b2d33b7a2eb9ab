// The calls a pipeline sender has sent and not yet had answered: ids, completions and deadlines.
// Shared by the gRPC Pipeline stream and the fast path, so that both report each call exactly once:
// with its reply, with the deadline's error, or with the error that ended the sender.

import Synchronization

/// Waiting calls by id; once ended, every new call fails at once.
final class PendingCalls: Sendable {
    private struct Pending {
        let completion: PipelineStream.Completion
        let deadline: ContinuousClock.Instant
    }

    private struct State {
        var nextID: UInt64 = 1
        var pending: [UInt64: Pending] = [:]
        var failure: CofferClientError?
    }

    private let state = Mutex(State())
    private let deadline: Duration

    init(deadline: Duration) {
        self.deadline = deadline
    }

    /// Whether the sender has ended.
    var hasEnded: Bool { state.withLock { $0.failure != nil } }

    /// How many calls are waiting.
    var count: Int { state.withLock { $0.pending.count } }

    /// Registers `completion` and returns the call's id, or the error that ended the sender.
    func add(_ completion: @escaping PipelineStream.Completion) -> Result<UInt64, CofferClientError> {
        state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            let id = state.nextID
            state.nextID &+= 1
            state.pending[id] = Pending(completion: completion, deadline: .now + deadline)
            return .success(id)
        }
    }

    /// Reports `outcome` to the call `id`, if it is still waiting.
    func complete(_ id: UInt64, _ outcome: PipelineStream.Outcome) {
        let completion = state.withLock { $0.pending.removeValue(forKey: id)?.completion }
        completion?(outcome)
    }

    /// Fails the calls that have outlived the deadline with `error`.
    func expire(with error: CofferClientError) {
        let now = ContinuousClock.now
        let late = state.withLock { state -> [PipelineStream.Completion] in
            let expired = state.pending.filter { $0.value.deadline < now }
            for id in expired.keys { state.pending[id] = nil }
            return expired.values.map(\.completion)
        }
        for completion in late { completion(.failure(error)) }
    }

    /// Ends the sender: every waiting call fails with `error`, and so will every later one (the first
    /// error to end it is the one they get).
    func fail(_ error: CofferClientError) {
        let waiting = state.withLock { state -> [PipelineStream.Completion] in
            if state.failure == nil { state.failure = error }
            defer { state.pending.removeAll() }
            return state.pending.values.map(\.completion)
        }
        for completion in waiting { completion(.failure(error)) }
    }
}
