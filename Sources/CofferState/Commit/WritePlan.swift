// What one command writes, in record terms: the records that must be absent or unchanged, and the
// records to put or delete. Plans hold plaintext; only the commit path seals them, so no command
// handles the barrier or the store itself.

import CofferCrypto

/// The record-level effect of one command, before sealing.
public struct WritePlan: Sendable {
    /// A condition the store must still meet when the transaction applies.
    public enum Precondition: Sendable, Equatable {
        /// No record under `key` (it was never written, or was deleted).
        case absent([UInt8])
        /// The record under `key` is the one read at `modRevision`.
        case unchanged([UInt8], modRevision: Int64)
    }

    /// One change.
    public enum Write: Sendable {
        /// A record sealed under the domain key, bound to its key.
        case put(key: [UInt8], value: SecretBytes)
        /// A record stored as it is, for values that are public by design (a signed log entry).
        case putPlain(key: [UInt8], value: [UInt8])
        case delete(key: [UInt8])

        public var key: [UInt8] {
            switch self {
            case .put(let key, _), .putPlain(let key, _), .delete(let key): key
            }
        }
    }

    public var preconditions: [Precondition]
    public var writes: [Write]

    public init(preconditions: [Precondition] = [], writes: [Write] = []) {
        self.preconditions = preconditions
        self.writes = writes
    }

    /// The store operations this plan takes: the larger of its compares and its writes, as a
    /// store counts them against `StoreLimits.maxOperationsPerTransaction`.
    public var operationCount: Int { max(preconditions.count, writes.count) }
}
