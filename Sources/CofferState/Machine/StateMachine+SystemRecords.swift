// Node-internal records: small sealed values the node itself keeps in the replicated store, such as
// the cluster CA's private key and certificate. They are never reachable through user commands.

import CofferCrypto

extension StateMachine {
    /// The opened value of system record `name`, if there is one.
    public func systemRecord(_ name: String) throws(StateError) -> SecretBytes? {
        _ = try requireBarrier()
        return state.withLock { $0.index.systemRecords[name]?.value }
    }

    /// Writes system record `name`. With `onlyIfAbsent`, a record that exists already is left alone
    /// and the call returns false (so two nodes racing to create the CA keep one).
    @discardableResult
    public func putSystemRecord(_ name: String, value: SecretBytes, onlyIfAbsent: Bool = false) async throws(StateError) -> Bool {
        let key = RecordKey.system(name)
        do {
            try await commit(.putSystemRecord(name: name), by: nil, attempts: onlyIfAbsent ? 1 : Self.maxCommitAttempts) {
                () throws(StateError) in
                (WritePlan(preconditions: onlyIfAbsent ? [.absent(key)] : [], writes: [.put(key: key, value: value)]), ())
            }
        } catch .conflict where onlyIfAbsent {
            return false
        }
        return true
    }
}
