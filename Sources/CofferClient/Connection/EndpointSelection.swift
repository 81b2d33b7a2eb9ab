// Which endpoint a call goes to: the one the client started on (`EndpointOrder`), sticky. Not
// round-robin, because logins of LOGIN_SCOPE_CONNECTION, sessions and session objects live on one
// node; moving calls between nodes would strand them. A node that fails is skipped until the others
// have failed too.

import Synchronization

/// The current endpoint and failover order.
final class EndpointSelection: Sendable {
    let count: Int
    private let current = Atomic<Int>(0)
    private let moves = Atomic<Int>(0)

    /// Starts on endpoint `start` (taken modulo `count`).
    init(count: Int, start: Int = 0) {
        precondition(count > 0, "no endpoints")
        self.count = count
        current.store(((start % count) + count) % count, ordering: .relaxed)
    }

    /// The endpoint calls go to now.
    var index: Int { current.load(ordering: .relaxed) }

    /// How many times calls have moved on from a failed endpoint (with one endpoint: how many times
    /// it was lost). Sessions and connection-bound logins made before a move are gone.
    var failovers: Int { moves.load(ordering: .acquiring) }

    /// Moves on from `failed` to the next endpoint, unless another call already did.
    func failed(_ failed: Int) {
        if current.compareExchange(expected: failed, desired: (failed + 1) % count, ordering: .relaxed).exchanged {
            moves.add(1, ordering: .releasing)
        }
    }

    /// The order to try for one call: the current endpoint, then the others in turn.
    func attemptOrder() -> [Int] {
        let start = index
        return (0..<count).map { (start + $0) % count }
    }
}
