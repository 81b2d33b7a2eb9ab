// The errors the state machine throws. Each carries its PKCS#11 return code; the mapping lives here only.

import CofferCrypto
import CofferModel

/// A command or query that failed.
public enum StateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A template, policy or access rule refused it.
    case model(ModelError)
    /// A mechanism refused it.
    case crypto(CryptoError)
    /// Sealing, unsealing or opening a record failed.
    case barrier(BarrierError)
    /// The store failed.
    case store(String)
    /// The node has no seal configuration yet.
    case notInitialized
    /// `initialize` was called on an initialized store.
    case alreadyInitialized
    /// The state is sealed: nothing is served until enough shares are given.
    case sealed
    /// No such user.
    case userNotFound
    /// A user with that name exists already.
    case userExists(String)
    /// The user may not be deleted while it owns objects.
    case userOwnsObjects(Int)
    /// Wrong password.
    case pinIncorrect
    /// Wrong password, and this failure locked the account (CKR_PIN_INCORRECT, with a message that
    /// says so: the next login gets CKR_PIN_LOCKED).
    case pinIncorrectNowLocked
    /// A new password is too short or too long.
    case pinLenRange
    /// The account is locked after too many failed logins.
    case pinLocked
    /// No object with that handle is visible to the caller.
    case objectHandleInvalid
    /// A key argument names no object visible to the caller: the function's CKR for it
    /// (CKR_KEY_HANDLE_INVALID, CKR_WRAPPING_KEY_HANDLE_INVALID or CKR_UNWRAPPING_KEY_HANDLE_INVALID).
    case keyHandleInvalid(ReturnCode)
    /// A concurrent writer kept winning; the command was not applied.
    case conflict
    /// The store cannot be reached or has no quorum. Retryable; a write that failed this way may
    /// or may not have landed (the store decides, and the index shows it once it has).
    case unavailable(String)
    /// The node has gone longer than its staleness bound without proving its view of the store
    /// current (`since` nil: it never has since it was unsealed); it refuses key use until it has.
    case stale(since: Duration?, bound: Duration)
    /// The write is larger than one store transaction may be (etcd: 128 operations, 1.5 MiB).
    case tooLarge(String)
    /// A bulk generation stopped after `made` of `requested` keys had been committed (in earlier
    /// batches, which stay); `cause` and `reason` are the batch's own error.
    case bulkInterrupted(made: Int, requested: Int, cause: ReturnCode, reason: String)
    /// The index did not reach the revision in time.
    case timedOut(Int64)
    /// A read-only session may not create, change or destroy token objects.
    case sessionReadOnly
    /// A session object (CKA_TOKEN false) needs a session to live in.
    case noSession
    /// Session objects are never shared: they are visible to their login only.
    case sessionObjectNotShareable
    /// The login holds `SessionObjectTable.maxPerLogin` session objects already.
    case tooManySessionObjects
    /// A request id outside `RequestScope.idLengths`.
    case requestIDInvalid
    /// A membership change that does not apply (no such node, a malformed digest).
    case membership(String)
    /// A guarded command without the approvals its quorum needs, or a quorum request or approval
    /// refused (docs/quorum.md).
    case quorum(String)

    /// The PKCS#11 `CK_RV` value for this error.
    public var returnCode: ReturnCode {
        switch self {
        case .model(let e): e.returnCode
        case .crypto(let e): e.returnCode
        case .barrier(let e): e.returnCode
        case .store: .deviceError
        case .notInitialized: .userPINNotInitialized
        case .alreadyInitialized: .actionProhibited
        case .sealed: .deviceError
        case .userNotFound: .argumentsBad
        case .userExists: .argumentsBad
        case .userOwnsObjects: .actionProhibited
        case .pinIncorrect, .pinIncorrectNowLocked: .pinIncorrect
        case .pinLenRange: .pinLenRange
        case .pinLocked: .pinLocked
        case .objectHandleInvalid: .objectHandleInvalid
        case .keyHandleInvalid(let code): code
        case .conflict: .functionFailed
        case .requestIDInvalid: .argumentsBad
        case .membership: .argumentsBad
        case .quorum: .functionRejected
        case .unavailable: .deviceError
        case .stale: .deviceError
        case .tooLarge: .deviceMemory
        case .bulkInterrupted(_, _, let cause, _): cause
        case .timedOut: .deviceError
        case .sessionReadOnly: .sessionReadOnly
        case .noSession: .sessionHandleInvalid
        case .sessionObjectNotShareable: .actionProhibited
        case .tooManySessionObjects: .deviceMemory
        }
    }

    public var description: String {
        switch self {
        case .model(let e): e.description
        case .crypto(let e): e.description
        case .barrier(let e): e.description
        case .store(let s): "store failure: \(s)"
        case .notInitialized: "the cluster is not initialized"
        case .alreadyInitialized: "the cluster is already initialized"
        case .sealed: "the node is sealed; unseal it with the key shares"
        case .userNotFound: "no such user"
        case .userExists(let name): "a user named \(name) already exists"
        case .userOwnsObjects(let n): "the user owns \(n) objects; destroy or hand them over first"
        case .pinIncorrect: "wrong user name or password"
        case .pinIncorrectNowLocked:
            "wrong user name or password; that was the \(User.lockoutThreshold)th failed login in a row, and the account is now locked until an admin unlocks it (coffer user unlock)"
        case .pinLenRange: "a password must be 8 to 128 bytes"
        case .pinLocked: "the account is locked after too many failed logins; an admin must unlock it"
        case .objectHandleInvalid: "no such object"
        case .keyHandleInvalid: "no such key"
        case .conflict: "the record changed concurrently; try again"
        case .requestIDInvalid: "the request id must be \(RequestScope.idLengths.lowerBound) to \(RequestScope.idLengths.upperBound) bytes"
        case .unavailable(let why): "the store is unavailable (\(why)); nothing was acknowledged, try again"
        case .stale(let since, let bound):
            "this node has not reached the store for \(since.map { "\($0.components.seconds) s" } ?? "a while") (bound \(bound.components.seconds) s); it serves no keys until it is current again"
        case .tooLarge(let why): "the write does not fit in one store transaction: \(why)"
        case .bulkInterrupted(let made, let requested, _, let reason):
            "made \(made) of \(requested) keys, then stopped: \(reason); the \(made) keys made are kept"
        case .timedOut(let r): "timed out waiting for revision \(r)"
        case .sessionReadOnly: "the session is read-only"
        case .noSession: "a session object (CKA_TOKEN false) needs a session"
        case .sessionObjectNotShareable: "session objects are not shared"
        case .tooManySessionObjects: "too many session objects"
        case .membership(let why), .quorum(let why): why
        }
    }
}

extension StateError {
    /// Wraps any error from the layers below.
    public init(_ error: any Error) {
        switch error {
        case let e as StateError: self = e
        case let e as ModelError: self = e == .objectNotVisible ? .objectHandleInvalid : .model(e)
        case let e as CryptoError: self = .crypto(e)
        case let e as BarrierError: self = .barrier(e)
        case let e as StoreError:
            switch e {
            case .unavailable(let why), .refused(let why): self = .unavailable(why)
            case .tooManyOperations(let count, let limit): self = .tooLarge("\(count) operations, the store takes \(limit)")
            case .requestTooLarge(let bytes, let limit): self = .tooLarge("\(bytes) bytes, the store takes \(limit)")
            default: self = .store("\(e)")
            }
        default: self = .store(String(describing: type(of: error)))
        }
    }
}
