// A read that etcd could not answer is made again (a member's connection closing under the call);
// any other failure, and the last attempt's, reaches the caller.

import CofferState
@testable import CofferStoreEtcd
import Synchronization
import Testing

struct EtcdReadRetryTests {
    @Test func anUnavailableReadIsMadeAgain() async throws {
        let attempts = Mutex(0)
        let value = try await EtcdStateStore.repeatingUnavailable { () async throws -> Int in
            let attempt = attempts.withLock { $0 += 1; return $0 }
            if attempt < EtcdStateStore.readAttempts { throw StoreError.unavailable("Stream unexpectedly closed.") }
            return 42
        }
        #expect(value == 42 && attempts.withLock { $0 } == EtcdStateStore.readAttempts)
    }

    @Test func theLastAttemptsFailureAndOtherFailuresReachTheCaller() async {
        let attempts = Mutex(0)
        await #expect(throws: StoreError.unavailable("down")) {
            try await EtcdStateStore.repeatingUnavailable { () async throws -> Int in
                attempts.withLock { $0 += 1 }
                throw StoreError.unavailable("down")
            }
        }
        #expect(attempts.withLock { $0 } == EtcdStateStore.readAttempts)
        attempts.withLock { $0 = 0 }
        await #expect(throws: StoreError.backend("broken")) {
            try await EtcdStateStore.repeatingUnavailable { () async throws -> Int in
                attempts.withLock { $0 += 1 }
                throw StoreError.backend("broken")
            }
        }
        #expect(attempts.withLock { $0 } == 1)
    }
}
