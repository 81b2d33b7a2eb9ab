// Sessions: random non-zero handles bound to the connection that opened them, each with its
// read-only/read-write flag and at most one active operation per kind. Bounded per connection and in
// total (CKR_SESSION_COUNT), and the buffered input of an operation is bounded (CKR_DATA_LEN_RANGE);
// streamed and hashed operations hold no input, so they take any length.
// A session's objects live in the state machine's memory; whoever closes a session ends them there.

import CofferCrypto
import CofferModel
import Synchronization

/// The node's open sessions.
public final class SessionTable: Sendable {
    /// Most sessions one connection may hold open.
    public static let maxPerConnection = 1024
    /// Most sessions on the node.
    public static let maxTotal = 65_536
    /// Most input a multi-part operation buffers before Final.
    public static let maxBufferedBytes = 16 << 20

    struct Session {
        var connection: String
        var readWrite: Bool
        var operations: [OperationKind: ActiveOperation] = [:]
    }

    private let sessions = Mutex<[UInt64: Session]>([:])

    public init() {}

    /// The number of open sessions.
    public var count: Int { sessions.withLock { $0.count } }

    /// Opens a session for `connection`.
    public func open(connection: String, readWrite: Bool) throws(ServiceFailure) -> UInt64 {
        try sessions.withLock { table throws(ServiceFailure) -> UInt64 in
            guard table.count < Self.maxTotal,
                table.values.lazy.filter({ $0.connection == connection }).count < Self.maxPerConnection
            else { throw ServiceFailure(.sessionCount, "too many open sessions") }
            var handle: UInt64
            repeat { handle = UInt64.random(in: 1...UInt64.max) } while table[handle] != nil
            table[handle] = Session(connection: connection, readWrite: readWrite)
            return handle
        }
    }

    /// Closes a session and drops its operations.
    public func close(_ handle: UInt64, connection: String) throws(ServiceFailure) {
        try sessions.withLock { table throws(ServiceFailure) in
            _ = try Self.session(handle, connection: connection, in: table)
            table[handle] = nil
        }
    }

    /// The connection holding session `handle`, if it is open.
    public func connection(of handle: UInt64) -> String? { sessions.withLock { $0[handle]?.connection } }

    /// Whether `handle` is open (on any connection).
    public func isOpen(_ handle: UInt64) -> Bool { sessions.withLock { $0[handle] != nil } }

    /// Closes every session of `connection` (the connection closed); returns their handles.
    public func closeAll(connection: String) -> [UInt64] {
        sessions.withLock { table in
            let gone = table.filter { $0.value.connection == connection }.map(\.key)
            for handle in gone { table[handle] = nil }
            return gone
        }
    }

    /// Whether the session is read-write; throws CKR_SESSION_HANDLE_INVALID for a session this connection does not hold.
    public func isReadWrite(_ handle: UInt64, connection: String) throws(ServiceFailure) -> Bool {
        try sessions.withLock { table throws(ServiceFailure) in try Self.session(handle, connection: connection, in: table).readWrite }
    }

    /// Starts an operation; CKR_OPERATION_ACTIVE when one of its kind is running. An operation left by
    /// another login (its user logged out) can never be finished by this caller, so the new one replaces it.
    func begin(_ kind: OperationKind, _ operation: ActiveOperation, session handle: UInt64, connection: String) throws(ServiceFailure) {
        try sessions.withLock { table throws(ServiceFailure) in
            let session = try Self.session(handle, connection: connection, in: table)
            if let running = session.operations[kind], running.userID == operation.userID {
                throw ServiceFailure(.operationActive, "a \(kind) operation is active")
            }
            table[handle]?.operations[kind] = operation
        }
    }

    /// Adds input to an operation and returns the output it releases (a cipher stream's complete
    /// blocks; nothing for a hashed or buffered operation). An error ends the operation (PKCS#11 v3.0 §5.2: a
    /// failed update terminates it).
    func update(_ kind: OperationKind, with data: [UInt8], userID: UserID?, session handle: UInt64, connection: String) throws(ServiceFailure) -> [UInt8] {
        try sessions.withLock { table throws(ServiceFailure) in
            _ = try Self.session(handle, connection: connection, in: table)
            // Only counts here: a held copy of the operation would make the append below copy the buffer.
            guard table[handle]?.operations[kind]?.userID == userID, let buffered = table[handle]?.operations[kind]?.buffer.count else {
                throw ServiceFailure(.operationNotInitialized, "no \(kind) operation is active")
            }
            if let operation = table[handle]?.operations[kind], operation.needsContextLogin, !operation.contextLoggedIn {
                table[handle]?.operations[kind] = nil
                throw ServiceFailure.contextLoginNeeded
            }
            if var stream = table[handle]?.operations[kind]?.stream {
                do {
                    let output = try stream.update(data)
                    table[handle]?.operations[kind]?.stream = stream
                    return output
                } catch {
                    table[handle]?.operations[kind] = nil
                    throw ServiceFailure(error)
                }
            }
            if var hash = table[handle]?.operations[kind]?.hash {
                hash.update(data)
                table[handle]?.operations[kind]?.hash = hash
                return []
            }
            guard buffered + data.count <= Self.maxBufferedBytes else {
                table[handle]?.operations[kind] = nil
                throw ServiceFailure(.dataLenRange, "multi-part input exceeds \(Self.maxBufferedBytes) bytes")
            }
            table[handle]?.operations[kind]?.buffer.append(contentsOf: data)
            return []
        }
    }

    /// Throws CKR_OPERATION_NOT_INITIALIZED unless `userID` has an operation of `kind` on the session.
    func checkActive(_ kind: OperationKind, userID: UserID, session handle: UInt64, connection: String) throws(ServiceFailure) {
        try sessions.withLock { table throws(ServiceFailure) in
            let session = try Self.session(handle, connection: connection, in: table)
            guard session.operations[kind]?.userID == userID else {
                throw ServiceFailure(.operationNotInitialized, "no \(kind) operation is active")
            }
        }
    }

    /// Records a context-specific login for the active operation of `kind` (it lasts until the
    /// operation ends).
    func authenticate(_ kind: OperationKind, userID: UserID, session handle: UInt64, connection: String) throws(ServiceFailure) {
        try sessions.withLock { table throws(ServiceFailure) in
            let session = try Self.session(handle, connection: connection, in: table)
            guard session.operations[kind]?.userID == userID else {
                throw ServiceFailure(.operationNotInitialized, "no \(kind) operation is active")
            }
            table[handle]?.operations[kind]?.contextLoggedIn = true
        }
    }

    /// Ends an operation and hands it over for its final computation.
    func finish(_ kind: OperationKind, userID: UserID?, session handle: UInt64, connection: String) throws(ServiceFailure) -> ActiveOperation {
        try sessions.withLock { table throws(ServiceFailure) in
            let session = try Self.session(handle, connection: connection, in: table)
            guard let operation = session.operations[kind], operation.userID == userID else {
                throw ServiceFailure(.operationNotInitialized, "no \(kind) operation is active")
            }
            table[handle]?.operations[kind] = nil
            return operation
        }
    }

    private static func session(_ handle: UInt64, connection: String, in table: [UInt64: Session]) throws(ServiceFailure) -> Session {
        // A session of another connection looks exactly like one that does not exist.
        guard handle != 0, let session = table[handle], session.connection == connection else {
            throw ServiceFailure(.sessionHandleInvalid, "no such session")
        }
        return session
    }
}
