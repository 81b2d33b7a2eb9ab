// The session a request runs in, as the node's session table knows it. Session objects (CKA_TOKEN
// false) are made in it, live as long as it, and are visible to every session of the same login.

/// The calling session: which one, under which login, and whether it may write token objects.
public struct SessionContext: Sendable, Hashable {
    /// The node's session handle.
    public var session: UInt64
    /// The login the caller's token stands for: session objects are visible to this login only.
    public var login: UInt64
    /// A read-only session may make and change session objects but not token objects (CKR_SESSION_READ_ONLY).
    public var readWrite: Bool

    public init(session: UInt64, login: UInt64, readWrite: Bool) {
        self.session = session
        self.login = login
        self.readWrite = readWrite
    }
}
