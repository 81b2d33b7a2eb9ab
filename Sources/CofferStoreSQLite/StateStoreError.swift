// Turns GRDB and SQLite failures into `StoreError.backend`, in one place, so that no message
// a store throws can carry a record's key or value.

import CofferState
import GRDB

/// The mapping from GRDB errors to `StoreError`.
enum StateStoreError {
    /// The `StoreError` for a failure while doing `operation`. A `StoreError` passes through;
    /// a GRDB error keeps only its SQLite result code and SQLite's own message, never the SQL
    /// arguments (GRDB's description would add them when public statement arguments are on).
    static func map(_ error: any Error, during operation: String) -> StoreError {
        switch error {
        case let error as StoreError:
            return error
        case let error as DatabaseError:
            let code = error.extendedResultCode.rawValue
            let message = error.message ?? "no message"
            return .backend("\(operation): SQLite error \(code): \(message)")
        default:
            return .backend("\(operation): \(type(of: error))")
        }
    }
}
