// The checks every backend applies to a transaction branch before writing, so that all of them
// reject the same malformed transactions that etcd rejects.

extension StoreOperation {
    /// The key the operation writes.
    public var key: [UInt8] {
        switch self {
        case .put(let key, _), .delete(let key): key
        }
    }

    /// Throws `StoreError.invalidTransaction` when a branch writes the empty key or one key twice.
    public static func validate(_ operations: [StoreOperation]) throws {
        var seen = Set<[UInt8]>()
        for operation in operations {
            if operation.key.isEmpty {
                throw StoreError.invalidTransaction("a transaction writes the empty key")
            }
            if !seen.insert(operation.key).inserted {
                throw StoreError.invalidTransaction("a transaction writes one key twice")
            }
        }
    }
}
