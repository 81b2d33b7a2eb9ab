// The bridge from a C caller's thread to the client: the C thread waits on a semaphore, with a hard
// limit so that no C_* call can hang, for an async call run in a detached Task or for a pipelined call
// whose reply signals it directly.
import CPKCS11
import CofferClient
import Dispatch
import Synchronization

/// Runs async client calls to completion for a blocking C caller.
enum Blocking {
    /// The outcome slot shared between the waiting thread and the task.
    private final class Outcome<T: Sendable>: Sendable {
        let value = Mutex<Result<T, CofferClientError>?>(nil)
    }

    /// Runs `body` and waits at most `limit` for it. The task never needs the waiting thread, so
    /// many C threads may wait at once; a call past `limit` is CKR_DEVICE_ERROR (its effect is
    /// unknown, as with a gRPC deadline).
    static func run<T: Sendable>(
        limit: Duration, _ body: @escaping @Sendable () async throws(CofferClientError) -> T
    ) throws(CKRError) -> T {
        try wait(limit: limit) { finish in
            Task.detached {
                do throws(CofferClientError) {
                    finish(.success(try await body()))
                } catch {
                    finish(.failure(error))
                }
            }
        }
    }

    /// Starts a call that reports through a completion handler (`CofferClient.pipelined`) and waits
    /// at most `limit` for it, with no task in between: the reply wakes this thread directly.
    static func wait<T: Sendable>(
        limit: Duration, _ start: (@escaping @Sendable (Result<T, CofferClientError>) -> Void) -> Void
    ) throws(CKRError) -> T {
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        start { result in
            outcome.value.withLock { $0 = result }
            done.signal()
        }
        let components = limit.components
        let nanoseconds = Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000)
        guard done.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else {
            throw CKRError(CK_RV(CKR_DEVICE_ERROR))
        }
        switch outcome.value.withLock({ $0 }) {
        case .success(let value)?: return value
        case .failure(let error)?: throw CKRError(error)
        case nil: throw CKRError(CK_RV(CKR_DEVICE_ERROR))
        }
    }
}
