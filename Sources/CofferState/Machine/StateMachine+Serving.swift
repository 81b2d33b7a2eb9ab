// What the node's services need from the state beyond commands and queries: the self-tested
// mechanism registry, and waiting for a revision a client has already seen (read-your-writes).

import CofferCrypto

extension StateMachine {
    /// The mechanisms, unless a re-run self-test has failed (then `.crypto(.libraryFailed)`).
    public var mechanismRegistry: MechanismRegistry {
        get throws(StateError) { try mechanisms }
    }

    /// Waits until the index reflects `revision`, for at most the state's index timeout;
    /// then `.timedOut`. Returns at once for a revision already reached.
    public func waitForRevision(_ revision: Int64) async throws(StateError) {
        try await waitForIndex(revision)
    }

    /// The store's newest revision, read now (for status: the index's lag behind the store).
    public func storeRevision() async throws(StateError) -> Int64 {
        do { return try await store.currentRevision() } catch { throw StateError(error) }
    }
}
