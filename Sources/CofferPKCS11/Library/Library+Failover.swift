// Failover inside the library. A node session and the node's login exist on one node; when the client
// has failed over from it (a call found it unreachable), the next call on a PKCS#11 session uses the
// login made on the client's current node right after C_Login (`logInOnStandbys`), or logs in there
// again with the credential kept since C_Login, opens a new node session for it, and goes on there.
// A call that found the node gone is made again on the next node when it changes nothing
// (`Replay.safe`) or makes, changes or destroys objects under a request id (`Replay.repeatable`); one
// that feeds a node-held operation is not, and the application gets CKR_DEVICE_REMOVED.
import CPKCS11
import CofferClient
import Synchronization

extension Library {
    /// Whether a call on a session may be made again after it found its node gone.
    enum Replay {
        /// It changes nothing (sign, verify, encrypt, decrypt, digest, search, attribute reads,
        /// random, wrap, an operation's start): made again on the next node.
        case safe
        /// It makes, changes or destroys token objects (generate, create, copy, unwrap, derive,
        /// destroy, set attributes) and carries a request id kept across its attempts: made again on
        /// the next node, which answers as the first attempt did if that one landed (`RequestID`).
        case repeatable
        /// It counts towards a lockout or feeds a node-held operation: never made twice.
        case once
    }

    /// What a call on a session is made with.
    struct Binding {
        let client: CofferClient
        let limit: Duration
        /// The node session standing for the PKCS#11 session now.
        let remote: UInt64
        /// The client's failover count the node session and login belong to.
        let generation: Int
    }

    /// Runs `body` in `handle`'s node session, after making the session (and the application's
    /// login) again on the client's current node if the node they were on is gone. When the call
    /// finds its node gone and `replay` is `.safe`, or it reached a node that does not hold the
    /// session (the client failed over meanwhile, so nothing was done), it is made again on the next
    /// node, at most once per endpoint.
    func onSession<T>(
        _ handle: CK_SESSION_HANDLE, _ replay: Replay, _ body: (Binding) throws(CKRError) -> T
    ) throws(CKRError) -> T {
        var attempts = 0
        while true {
            let binding = try bind(handle)
            do {
                return try body(binding)
            } catch {
                attempts += 1
                let client = binding.client
                let moved = client.failovers != binding.generation
                guard attempts <= client.configuration.endpoints.count else { throw error }
                if (error.unreachable && replay != .once) || (moved && Self.notHeldHere(error)) { continue }
                // A node that has forgotten the login this client holds for it (it restarted, or
                // the connection was made again): log in there again and repeat the call, which it refused.
                guard try forgotLogin(error) else { throw error }
                try forgetNodeLogin()
            }
        }
    }

    /// `onSession` for one async client call.
    func callOnSession<T: Sendable>(
        _ handle: CK_SESSION_HANDLE, _ replay: Replay,
        _ body: @escaping @Sendable (CofferClient, UInt64) async throws(CofferClientError) -> T
    ) throws(CKRError) -> T {
        try onSession(handle, replay) { (binding: Binding) throws(CKRError) -> T in
            let client = binding.client
            let remote = binding.remote
            return try Blocking.run(limit: binding.limit) { () async throws(CofferClientError) -> T in
                try await body(client, remote)
            }
        }
    }

    /// The current node has forgotten the login this client holds for it: the next call logs in again.
    func forgetNodeLogin() throws(CKRError) {
        try change { (state: inout State) in
            state.client!.forgetLoginOnCurrentEndpoint()
            state.loginGeneration = -1
        }
    }

    /// Whether `error` says the node does not hold the login of an application that is logged in:
    /// not a refusal the application must see (CKA_ALWAYS_AUTHENTICATE without its context login).
    func forgotLogin(_ error: CKRError) throws(CKRError) -> Bool {
        guard error.loginUnknown else { return false }
        return try read { $0.loggedIn }
    }

    /// The answers of a node that never held the session or login the call carried: nothing was done.
    private static func notHeldHere(_ error: CKRError) -> Bool {
        error.code == CK_RV(CKR_SESSION_HANDLE_INVALID) || error.code == CK_RV(CKR_SESSION_CLOSED) || error.loginUnknown
    }

    /// The binding for `handle` on the client's current node, re-established first when needed.
    func bind(_ handle: CK_SESSION_HANDLE) throws(CKRError) -> Binding {
        if let binding = try currentBinding(handle) { return binding }
        return try changingLogin { () throws(CKRError) -> Binding in
            let endpoints = try read { $0.client!.configuration.endpoints.count }
            for _ in 0...endpoints {
                if let binding = try currentBinding(handle) { return binding }
                do throws(CKRError) {
                    try logInAgain()
                    try reopen(handle)
                } catch where error.unreachable {
                    continue
                } catch where (try? forgotLogin(error)) ?? false {
                    try forgetNodeLogin()
                }
            }
            throw CKRError(CK_RV(CKR_DEVICE_REMOVED))
        }
    }

    /// The binding when the session and the login (if any) belong to the client's current node.
    private func currentBinding(_ handle: CK_SESSION_HANDLE) throws(CKRError) -> Binding? {
        try read { (state: State) throws(CKRError) -> Binding? in
            guard let session = state.sessions[handle] else { throw CKRError(CK_RV(CKR_SESSION_HANDLE_INVALID)) }
            let client = state.client!
            let generation = client.failovers
            guard session.generation == generation, !state.loggedIn || state.loginGeneration == generation else {
                return nil
            }
            return Binding(client: client, limit: state.callLimit, remote: session.remote, generation: generation)
        }
    }

    /// Logs the application in on the client's current node with the kept credential, if it is
    /// logged in and that node does not have its login. A node that refuses the credential (the
    /// password changed, the user was locked or deleted) ends the application's login.
    private func logInAgain() throws(CKRError) {
        let (client, credential, standby) = try read { (state: State) -> (CofferClient, Credential?, Task<Void, Never>?) in
            let client = state.client!
            guard state.loggedIn, state.loginGeneration != client.failovers else { return (client, nil, nil) }
            return (client, state.credential, state.standbyLogins)
        }
        guard let credential else { return }
        // Standby logins still under way (a password check takes a while) finish sooner than a new one.
        if let standby, !client.hasLoginOnCurrentEndpoint {
            _ = try? Blocking.run(limit: client.configuration.deadline) { () async throws(CofferClientError) in
                await standby.value
            }
        }
        let generation = client.failovers
        // Logged in there already by `standbyLogin`, right after C_Login.
        if client.hasLoginOnCurrentEndpoint {
            try change { $0.loginGeneration = generation }
            return
        }
        do {
            try call { (client: CofferClient) async throws(CofferClientError) in
                var password = credential.password
                defer { zeroise(&password) }
                _ = try await client.login(user: credential.user, password: password, scope: .connection)
            }
        } catch where Self.refusesCredential(error.code) {
            try change { $0.loggedIn = false }
            client.forgetLogins()
            throw CKRError(CK_RV(CKR_USER_NOT_LOGGED_IN))
        }
        try change { $0.loginGeneration = generation }
        logInOnStandbys(client, credential)
    }

    /// Logs in on the client's other endpoints in the background (`CofferClient.standbyLogin`), so
    /// that a failover finds its next node logged in already.
    func logInOnStandbys(_ client: CofferClient, _ credential: Credential) {
        guard client.configuration.endpoints.count > 1 else { return }
        let task = Task.detached {
            var password = credential.password
            defer { zeroise(&password) }
            guard !password.isEmpty else { return }
            await client.standbyLogin(user: credential.user, password: password)
        }
        _ = try? change { $0.standbyLogins = task }
    }

    private static func refusesCredential(_ code: CK_RV) -> Bool {
        code == CK_RV(CKR_PIN_INCORRECT) || code == CK_RV(CKR_PIN_LOCKED) || code == CK_RV(CKR_USER_TYPE_INVALID)
            || code == CK_RV(CKR_PIN_EXPIRED)
    }

    /// Opens a new node session for `handle` on the client's current node, if its node session
    /// belongs to a node the client has failed over from.
    private func reopen(_ handle: CK_SESSION_HANDLE) throws(CKRError) {
        let (client, readWrite, stale) = try read { (state: State) throws(CKRError) in
            guard let session = state.sessions[handle] else { throw CKRError(CK_RV(CKR_SESSION_HANDLE_INVALID)) }
            return (state.client!, session.readWrite, session.generation != state.client!.failovers)
        }
        guard stale else { return }
        let remote = try call { (client: CofferClient) async throws(CofferClientError) in
            try await client.openSession(readWrite: readWrite)
        }
        // OpenSession is retried on the next endpoints by the client: the count after it names the
        // node that answered.
        let generation = client.failovers
        try change { (state: inout State) throws(CKRError) in
            guard state.sessions[handle] != nil else { throw CKRError(CK_RV(CKR_SESSION_HANDLE_INVALID)) }
            state.sessions[handle]?.remote = remote
            state.sessions[handle]?.generation = generation
        }
    }
}
