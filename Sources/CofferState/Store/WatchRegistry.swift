// The watch fan-out shared by the embedded backends (memory, SQLite): it hands each committed
// revision to the matching watches and stitches a history replay to the live feed without gaps.

import Synchronization

/// The open watches of one store, for backends that implement `StateStore.watch` themselves.
///
/// The backend calls `publish` once per committed revision, in revision order, after the commit
/// is durable. A watch that starts at or before the latest published revision first replays
/// history through the backend's `Replay` closure; live revisions that arrive meanwhile are held
/// back and delivered after the replay, skipping those the replay already covered. That gives
/// each watch every revision from its start exactly once, in order.
///
/// Streams buffer without bound: a watcher that stops reading holds memory until it is dropped.
public final class WatchRegistry: Sendable {
    /// Reads history for a new watch: calls `emit` with each revision's events for keys in
    /// `range`, from `fromRevision` in revision order, and returns the revision it replayed
    /// through (its snapshot). Throws `StoreError.compacted` when `fromRevision` is compacted.
    public typealias Replay =
        @Sendable (
            _ range: StoreKeyRange, _ fromRevision: Int64, _ emit: @Sendable ([WatchEvent]) -> Void
        ) async throws -> Int64

    private typealias Continuation = AsyncThrowingStream<[WatchEvent], Error>.Continuation

    private struct Watcher {
        var range: StoreKeyRange
        var fromRevision: Int64
        var continuation: Continuation
        /// Live revisions held back while the history replay runs; nil once live.
        var pending: [(revision: Int64, events: [WatchEvent])]?
        var replayTask: Task<Void, Never>?
    }

    private struct State {
        var publishedRevision: Int64
        var watchers: [Int: Watcher] = [:]
        var nextID = 0
        var closed = false
    }

    private let state: Mutex<State>

    /// Creates the registry of a store whose latest committed revision is `publishedRevision`.
    public init(publishedRevision: Int64) {
        state = Mutex(State(publishedRevision: publishedRevision))
    }

    /// Hands the events of a newly committed `revision` to the matching watches. Call in
    /// revision order, once per revision that changed something.
    public func publish(revision: Int64, events: [WatchEvent]) {
        state.withLock { state in
            state.publishedRevision = max(state.publishedRevision, revision)
            for (id, watcher) in state.watchers where revision >= watcher.fromRevision {
                let matching = events.filter { watcher.range.contains($0.keyValue.key) }
                if matching.isEmpty { continue }
                if watcher.pending != nil {
                    state.watchers[id]?.pending?.append((revision, matching))
                } else {
                    watcher.continuation.yield(matching)
                }
            }
        }
    }

    /// Opens a watch on `range` from `fromRevision` (inclusive; 0 or less: from the next
    /// revision, as etcd's start revision 0). The watch is registered before this returns, so
    /// no later commit is missed.
    public func watch(
        range: StoreKeyRange, fromRevision: Int64, replay: @escaping Replay
    ) -> AsyncThrowingStream<[WatchEvent], Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [WatchEvent].self)
        enum Start { case closed, live(Int), replay(Int, Int64) }
        let start: Start = state.withLock { state in
            if state.closed { return .closed }
            let id = state.nextID
            state.nextID += 1
            let from = fromRevision > 0 ? fromRevision : state.publishedRevision + 1
            let needsReplay = from <= state.publishedRevision
            state.watchers[id] = Watcher(
                range: range, fromRevision: from, continuation: continuation,
                pending: needsReplay ? [] : nil, replayTask: nil)
            return needsReplay ? .replay(id, from) : .live(id)
        }
        switch start {
        case .closed:
            continuation.finish(throwing: StoreError.closed)
        case .live(let id):
            continuation.onTermination = { [weak self] _ in self?.remove(id) }
        case .replay(let id, let from):
            continuation.onTermination = { [weak self] _ in self?.remove(id) }
            let task = Task { [weak self] in
                do {
                    let through = try await replay(range, from) { continuation.yield($0) }
                    self?.goLive(id, replayedThrough: through)
                } catch {
                    self?.fail(id, error)
                }
            }
            let attached = state.withLock { state in
                guard state.watchers[id] != nil else { return false }
                state.watchers[id]?.replayTask = task
                return true
            }
            if !attached { task.cancel() }
        }
        return stream
    }

    /// Ends every watch (their streams finish without error) and refuses new ones.
    public func close() {
        let closing = state.withLock { state in
            state.closed = true
            let watchers = Array(state.watchers.values)
            state.watchers.removeAll()
            return watchers
        }
        for watcher in closing {
            watcher.replayTask?.cancel()
            watcher.continuation.finish()
        }
    }

    private func goLive(_ id: Int, replayedThrough through: Int64) {
        state.withLock { state in
            guard let watcher = state.watchers[id] else { return }
            for held in watcher.pending ?? [] where held.revision > through {
                watcher.continuation.yield(held.events)
            }
            state.watchers[id]?.pending = nil
            state.watchers[id]?.replayTask = nil
        }
    }

    private func fail(_ id: Int, _ error: any Error) {
        let watcher = state.withLock { $0.watchers.removeValue(forKey: id) }
        watcher?.continuation.finish(throwing: error)
    }

    private func remove(_ id: Int) {
        let watcher = state.withLock { $0.watchers.removeValue(forKey: id) }
        watcher?.replayTask?.cancel()
    }
}
