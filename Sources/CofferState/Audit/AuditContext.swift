// What the node knows about the request it is serving, for the audit log: the caller's user (or the
// name a login tried), their client certificate, and whether a commit of the request already
// wrote its entry. The server sets one per request; the commit seam's audit participant reads it.

import Synchronization

/// The audit facts of the request the current task serves.
public final class AuditContext: Sendable {
    @TaskLocal public static var current: AuditContext?

    struct Facts {
        var user: String
        var certificate: String?
        var recorded = false
        var operation: String?
        var handle: UInt64?
        var mechanism: UInt64?
        var target: String?
    }

    private let facts: Mutex<Facts>

    public init(user: String, certificate: String?) {
        facts = Mutex(Facts(user: user, certificate: certificate))
    }

    public var user: String {
        get { facts.withLock { $0.user } }
        set { facts.withLock { $0.user = newValue } }
    }

    public var certificate: String? { facts.withLock { $0.certificate } }

    /// Whether a commit of this request wrote an entry: its success is then in the log already.
    public var recorded: Bool { facts.withLock { $0.recorded } }

    /// Set by the commit path once a transaction with the participants' writes landed.
    func markRecorded() { facts.withLock { $0.recorded = true } }

    /// The object and mechanism the call acts on, when the handler knows them.
    public func note(handle: UInt64?, mechanism: UInt64?) {
        facts.withLock {
            $0.handle = handle
            $0.mechanism = mechanism
        }
    }

    /// A more precise name for the operation than the call's ("sign-init" for OperationInit).
    public var operation: String? {
        get { facts.withLock { $0.operation } }
        set { facts.withLock { $0.operation = newValue } }
    }

    /// The user, node or range the call acts on, when it is about one.
    public var target: String? {
        get { facts.withLock { $0.target } }
        set { facts.withLock { $0.target = newValue } }
    }

    public var handle: UInt64? { facts.withLock { $0.handle } }
    public var mechanism: UInt64? { facts.withLock { $0.mechanism } }
}
