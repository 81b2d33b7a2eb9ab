// The client's batching for TokenService.Pipeline: many callers append, the stream's writer takes
// everything that piled up while it was busy, so that a burst of calls goes out as one message
// instead of one message each.

import Synchronization

/// A multi-producer, single-consumer queue drained whole.
final class PipelineQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var finished = false
        var waiter: CheckedContinuation<[Element]?, Never>?
    }

    private let state = Mutex(State())

    init() {}

    /// Appends `element`; false (and the element dropped) once the queue is finished.
    @discardableResult
    func append(_ element: Element) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<[Element]?, Never>?) in
            guard !state.finished else { return (false, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter)
            }
            state.items.append(element)
            return (true, nil)
        }
        waiter?.resume(returning: [element])
        return accepted
    }

    /// Waits for at least one element and returns every element queued, oldest first; nil once the
    /// queue is finished and empty (or the waiting task is cancelled). One consumer only.
    func next() async -> [Element]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[Element]?, Never>) in
                let ready: [Element]?? = state.withLock { state in
                    if !state.items.isEmpty {
                        defer { state.items.removeAll(keepingCapacity: true) }
                        return .some(state.items)
                    }
                    if state.finished { return .some(nil) }
                    precondition(state.waiter == nil, "PipelineQueue has one consumer")
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish()
        }
    }

    /// Refuses further elements and wakes the consumer, which still gets what is queued.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<[Element]?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
