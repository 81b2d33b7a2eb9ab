// The library's global state: whether C_Initialize ran (and in which process), the client, the
// application-wide login (with the credentials to make it again) and the session table. It sits
// under one Mutex; node calls run outside it. Node sessions and the node's login live on the node
// they were made on: when the client fails over, the next call makes them again on the client's
// current node (`Library.bind`, in Library+Failover.swift).
import CPKCS11
import CofferClient
import CofferProtocol
import Glibc
import Synchronization

/// The state behind every C_* function.
final class Library: Sendable {
    /// The one instance the C exports use.
    static let shared = Library()

    struct State: Sendable {
        var client: CofferClient?
        /// The process that called C_Initialize: after fork() the child starts uninitialized.
        var process: pid_t = 0
        var clusterName = ""
        var callLimit: Duration = .seconds(30)
        var loggedIn = false {
            didSet {
                checkedUses.removeAll()
                attributeCache.removeAll()
                if !loggedIn { forgetCredential() }
            }
        }
        /// The C_Login PIN, kept while logged in so that the library can log in again on another
        /// node after a failover; zeroised when the login ends and at C_Finalize.
        var credential: Credential?
        /// The last standby logins started (`logInOnStandbys`), for a failover that comes before they end.
        var standbyLogins: Task<Void, Never>?
        /// Public attributes of objects found by this login's searches (see `AttributeCache`).
        var attributeCache = AttributeCache()
        /// Key uses the node has accepted at a C_*Init since the login (see `startOperation`).
        var checkedUses: Set<CheckedUse> = []
        /// The client's failover count when the node's login was made (at C_Login, or again after a failover).
        var loginGeneration = 0
        /// The name of the logged-in user (a context-specific login's PIN may repeat it).
        var loginUser = ""
        var sessions: [CK_SESSION_HANDLE: Session] = [:]
        var nextSession: CK_SESSION_HANDLE = 1
        var mechanisms: [Coffer_V1_MechanismInfo]?

        var isInitialized: Bool { client != nil && process == getpid() }

        /// Zeroises and drops the kept credential.
        mutating func forgetCredential() {
            credential?.wipe()
            credential = nil
        }
    }

    private let state = Mutex(State())

    /// Held across the node call of every login change (C_Login, C_Logout, the logout when the last
    /// session closes), so that they happen one at a time: of threads racing C_Login one logs in and
    /// the others then see CKR_USER_ALREADY_LOGGED_IN, and a logout never lands after a newer login.
    /// Never taken while holding `state`.
    private let loginChange = Mutex(())

    /// Runs `body` as the only login change in progress.
    func changingLogin<T>(_ body: () throws(CKRError) -> T) throws(CKRError) -> T {
        try loginChange.withLock { (_: inout ()) throws(CKRError) -> T in try body() }
    }

    /// Keeps the library mapped until the process exits. The client's event-loop threads outlive
    /// C_Finalize, so a host that dlclose()s the library after C_Finalize (pkcs11-tool does) would
    /// otherwise unmap code those threads are running.
    private static let pinned: Bool = {
        var info = CofferDlInfo()
        guard coffer_dladdr(#dsohandle, &info) != 0, let path = info.dli_fname else { return false }
        return dlopen(path, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) != nil
    }()

    /// Loads the configuration and makes the client (no connection is opened yet).
    func initialize() throws(CKRError) {
        try state.withLock { (state: inout State) throws(CKRError) in
            guard !state.isInitialized else { throw CKRError(CK_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)) }
            _ = Self.pinned
            let path = LibraryConfiguration.path
            do {
                let configuration = try ClientConfiguration.load(profileAt: path)
                let client = try CofferClient(configuration: configuration)
                // With several nodes, a node that hangs is left within about two seconds.
                client.startHealthProbes()
                // A call may be retried on each endpoint, each with its own deadline.
                let limit = configuration.deadline * (configuration.endpoints.count + 1) + .seconds(2)
                state = State(
                    client: client, process: getpid(), clusterName: configuration.clusterName ?? "coffer",
                    callLimit: limit)
            } catch {
                LibraryConfiguration.report("cannot load \(path): \(error)")
                throw CKRError(CK_RV(CKR_GENERAL_ERROR))
            }
        }
    }

    /// Forgets everything and closes the client's connections.
    func finalize() throws(CKRError) {
        let (client, limit) = try state.withLock { (state: inout State) throws(CKRError) in
            guard state.isInitialized, let client = state.client else {
                throw CKRError(CK_RV(CKR_CRYPTOKI_NOT_INITIALIZED))
            }
            let limit = state.callLimit
            state.forgetCredential()
            state = State()
            return (client, limit)
        }
        _ = try? Blocking.run(limit: limit) { await client.close() }
    }

    /// Reads the state (after checking C_Initialize ran).
    func read<T>(_ body: (State) throws(CKRError) -> T) throws(CKRError) -> T {
        try state.withLock { (state: inout State) throws(CKRError) in
            guard state.isInitialized else { throw CKRError(CK_RV(CKR_CRYPTOKI_NOT_INITIALIZED)) }
            return try body(state)
        }
    }

    /// Changes the state (after checking C_Initialize ran).
    func change<T>(_ body: (inout State) throws(CKRError) -> T) throws(CKRError) -> T {
        try state.withLock { (state: inout State) throws(CKRError) in
            guard state.isInitialized else { throw CKRError(CK_RV(CKR_CRYPTOKI_NOT_INITIALIZED)) }
            return try body(&state)
        }
    }

    /// Changes one session; an unknown handle is CKR_SESSION_HANDLE_INVALID.
    func withSession<T>(_ handle: CK_SESSION_HANDLE, _ body: (inout Session) throws(CKRError) -> T) throws(CKRError) -> T {
        try change { (state: inout State) throws(CKRError) in
            guard var session = state.sessions[handle] else { throw CKRError(CK_RV(CKR_SESSION_HANDLE_INVALID)) }
            defer { state.sessions[handle] = session }
            return try body(&session)
        }
    }

    /// A copy of one session; an unknown handle is CKR_SESSION_HANDLE_INVALID.
    func session(_ handle: CK_SESSION_HANDLE) throws(CKRError) -> Session {
        try withSession(handle) { $0 }
    }

    /// Runs a client call for a blocking caller (see `Blocking`).
    func call<T: Sendable>(_ body: @escaping @Sendable (CofferClient) async throws(CofferClientError) -> T) throws(CKRError) -> T {
        let (client, limit) = try read { (state: State) throws(CKRError) in (state.client!, state.callLimit) }
        return try Blocking.run(limit: limit) { () async throws(CofferClientError) -> T in try await body(client) }
    }
}
