// What one transaction may hold in a given backend. etcd refuses a transaction with more than
// `--max-txn-ops` operations per branch (128 by default) or a request over `--max-request-bytes`
// (1.5 MiB by default); a store says its limits so that callers split their writes to fit, and
// refuses an over-limit transaction itself, before anything is sent or written.

/// The size limits of one `StateStore.transact` call.
public struct StoreLimits: Sendable, Equatable {
    /// The most compares, and the most operations in each branch, one transaction may hold
    /// (etcd counts the compare list and each branch separately against `--max-txn-ops`).
    public var maxOperationsPerTransaction: Int
    /// The most bytes one transaction's request may take, as the backend measures it (for etcd,
    /// the encoded gRPC request, prefix included). `Int.max`: no limit of the store's own.
    public var maxRequestBytes: Int

    /// - Parameters:
    ///   - maxOperationsPerTransaction: the most compares, and operations per branch.
    ///   - maxRequestBytes: the most bytes per transaction request.
    public init(maxOperationsPerTransaction: Int, maxRequestBytes: Int) {
        self.maxOperationsPerTransaction = maxOperationsPerTransaction
        self.maxRequestBytes = maxRequestBytes
    }

    /// No limit beyond memory: the embedded backends' own.
    public static let unlimited = StoreLimits(maxOperationsPerTransaction: .max, maxRequestBytes: .max)

    /// etcd's defaults: 128 operations (`--max-txn-ops`) and 1.5 MiB (`--max-request-bytes`).
    public static let etcdDefaults = StoreLimits(maxOperationsPerTransaction: 128, maxRequestBytes: 1_572_864)

    /// Throws `StoreError.tooManyOperations` when the compares or a branch hold more than
    /// `maxOperationsPerTransaction` entries.
    public func checkOperations(compare: [StoreCompare], success: [StoreOperation], failure: [StoreOperation]) throws {
        let largest = max(compare.count, success.count, failure.count)
        if largest > maxOperationsPerTransaction {
            throw StoreError.tooManyOperations(count: largest, limit: maxOperationsPerTransaction)
        }
    }

    /// Throws `StoreError.requestTooLarge` when `bytes` exceeds `maxRequestBytes`.
    public func checkRequestBytes(_ bytes: Int) throws {
        if bytes > maxRequestBytes {
            throw StoreError.requestTooLarge(bytes: bytes, limit: maxRequestBytes)
        }
    }

    /// The bytes of keys and values a transaction names: a lower bound of any backend's encoding
    /// (etcd adds a few bytes per operation and the prefix to every key), used by the memory
    /// store to stand in for etcd's request limit in tests.
    public static func payloadBytes(
        compare: [StoreCompare], success: [StoreOperation], failure: [StoreOperation]
    ) -> Int {
        func size(_ operation: StoreOperation) -> Int {
            switch operation {
            case .put(let key, let value): key.count + value.count
            case .delete(let key): key.count
            }
        }
        let compared = compare.reduce(0) { total, compare in
            switch compare {
            case .modRevision(let key, _), .version(let key, _): total + key.count
            }
        }
        return compared + success.reduce(0) { $0 + size($1) } + failure.reduce(0) { $0 + size($1) }
    }
}
