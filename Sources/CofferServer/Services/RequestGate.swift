// The pipeline every handler runs through: wait for the client's min_revision, resolve the login
// token to the user's current record, check the session, run the handler, and map any failure to
// an RPCError in one place. Handlers only decode, call the state, and fill their reply.

import CofferCrypto
import CofferModel
import CofferProtocol
import CofferState
import GRPCCore

/// Who made a request, once the gate has checked it.
struct Caller: Sendable {
    var peer: Peer
    /// The logged-in user, when the request carried a valid login token.
    var user: User?
    /// The id of that login (0 for none): the scope of session objects.
    var login: UInt64 = 0
    /// The session named in the request, 0 for none; when non-zero it is open on this connection.
    var session: UInt64
    /// Whether that session is read-write (true when there is none).
    var readWrite: Bool

    /// The user, or CKR_USER_NOT_LOGGED_IN.
    func requireUser() throws(ServiceFailure) -> User {
        guard let user else { throw .notLoggedIn }
        return user
    }

    /// Refuses writes from a read-only session (CKR_SESSION_READ_ONLY).
    func requireWritable() throws(ServiceFailure) {
        guard readWrite else { throw ServiceFailure(.sessionReadOnly, "the session is read-only") }
    }

    /// The session objects' scope: the session and login of the request, when it has both.
    var context: SessionContext? {
        guard session != 0, login != 0 else { return nil }
        return SessionContext(session: session, login: login, readWrite: readWrite)
    }

    /// The session, or CKR_SESSION_HANDLE_INVALID when the request names none.
    func requireSession() throws(ServiceFailure) -> UInt64 {
        guard session != 0 else { throw ServiceFailure(.sessionHandleInvalid, "this call needs a session") }
        return session
    }
}

/// The shared request handling of all services.
final class RequestGate: Sendable {
    let state: StateMachine
    let logins: LoginTable
    let sessions: SessionTable
    /// Tickets and connections of the fast path.
    let fastPath: FastPathTickets

    /// Where calls that commit nothing are recorded for the audit log; nil in tests that need none.
    let audit: AuditRecorder?

    init(
        state: StateMachine, logins: LoginTable, sessions: SessionTable, fastPath: FastPathTickets = FastPathTickets(),
        audit: AuditRecorder? = nil
    ) {
        self.state = state
        self.audit = audit
        self.logins = logins
        self.sessions = sessions
        self.fastPath = fastPath
    }

    /// Runs `body` in the request's `RequestScope` when it has a request id and a user. Only such
    /// calls get a scope: the crypto calls on the hot path carry none.
    private static func scoped<Response: Sendable>(
        _ header: Coffer_V1_RequestHeader, _ caller: Caller, _ body: (Caller) async throws -> Response
    ) async throws -> Response {
        guard !header.requestID.isEmpty, let user = caller.user,
            let scope = try RequestScope(id: Array(header.requestID), user: user.id)
        else { return try await body(caller) }
        return try await RequestScope.$current.withValue(scope) { try await body(caller) }
    }

    /// Runs `body` for a request with `header`; every error leaves as an RPCError carrying its CKR.
    /// A logged-in request with a request id runs in its `RequestScope`, so the token objects it
    /// makes get handles derived from the id, and a repeat of it makes nothing twice.
    func run<Response: Sendable>(
        _ header: Coffer_V1_RequestHeader, _ context: ServerContext, _ body: (Caller) async throws -> Response
    ) async throws -> Response {
        let peer = Peer(context)
        return try await mapErrors {
            try await audited(context.descriptor.method, peer) { trail in
                let caller = try await self.caller(header, peer)
                if let name = caller.user?.name { trail?.user = name }
                // A quorum token goes to the commit of the call's guarded command (QuorumParticipant).
                guard !header.quorumToken.isEmpty else { return try await Self.scoped(header, caller, body) }
                guard header.quorumToken.utf8.count <= 64 else { throw ServiceFailure.argumentsBad("a quorum token id is at most 64 characters") }
                return try await QuorumContext.$token.withValue(header.quorumToken) { try await Self.scoped(header, caller, body) }
            }
        }
    }

    /// Runs `body` as `command`, an operation that commits nothing itself (a key's use under its
    /// key-usage quorum, a key's export or import, a backup), once the request's quorum token for it
    /// is consumed (StateMachine.consumeApproval), when it needs approvals and the request carries a
    /// token. Otherwise runs `body` as it is: the state machine's checks (`requireApproved`) refuse
    /// an operation that needed approvals.
    func approved<T>(_ command: Command?, _ user: User?, _ body: () async throws -> T) async throws -> T {
        guard let command, QuorumContext.token != nil, let user, state.approvalsNeeded(for: command) > 0 else { return try await body() }
        try await state.consumeApproval(for: command, by: user)
        return try await QuorumContext.$approvedCommand.withValue(command) { try await body() }
    }

    /// Runs `body` for a request with no header (GetStatus, Unseal, Login).
    func run<Response: Sendable>(_ context: ServerContext, _ body: (Peer) async throws -> Response) async throws -> Response {
        let peer = Peer(context)
        return try await mapErrors {
            try await audited(context.descriptor.method, peer) { _ in
                try refuseRevoked(peer)
                return try await body(peer)
            }
        }
    }

    // MARK: - Audit

    /// Calls that read and change nothing: in the audit log only when refused.
    static let unaudited: Set<String> = [
        "GetStatus", "ListMechanisms", "GetMechanismInfo", "FindObjects", "GetAttributes", "OpenSession", "CloseSession",
        "Digest", "GenerateRandom", "OperationUpdate", "ListUsers", "ListNodes", "GetAttestation", "ReadAudit", "Pipeline",
        "OpenFastPath", "GetChallenge", "VerifyBackup", "GetQuorum", "GetQuorumToken",
    ]

    /// The audit log's name of a call: its method in lower case, words joined by "-" ("CreateUser": "create-user").
    static func operationName(_ method: String) -> String {
        var name = ""
        for character in method {
            if character.isUppercase, !name.isEmpty { name.append("-") }
            name += character.lowercased()
        }
        return name
    }

    /// Runs `body` with an `AuditContext`, and records how the call ended: every refusal, and every
    /// success of a call that is not a read, unless a commit of the call wrote its entry already (a
    /// management command's success is logged with its change).
    private func audited<Response>(
        _ method: String, _ peer: Peer, _ body: (AuditContext?) async throws -> Response
    ) async throws -> Response {
        guard let audit else { return try await body(nil) }
        let successes = !Self.unaudited.contains(method)
        let fingerprint = peer.certificateFingerprint
        let trail = AuditContext(user: "", certificate: fingerprint.map(ClusterMember.hex))
        let record = { (code: ReturnCode) in
            audit.record(
                RecordedCall(
                    user: trail.user, operation: trail.operation ?? Self.operationName(method), handle: trail.handle,
                    mechanism: trail.mechanism, ckr: UInt64(code.rawValue), certificate: fingerprint, target: trail.target))
        }
        do {
            let response = try await AuditContext.$current.withValue(trail) { try await body(trail) }
            if successes, !trail.recorded { record(.ok) }
            return response
        } catch {
            record(ServiceFailure(error).returnCode)
            throw error
        }
    }

    /// Refuses every call over the certificate of a node removed from the cluster. The fingerprint
    /// is the connection's, taken once (TLSListener); the check is a set lookup.
    func refuseRevoked(_ peer: Peer) throws(ServiceFailure) {
        guard let fingerprint = peer.certificateFingerprint, state.isCertificateRevoked(fingerprint) else { return }
        throw ServiceFailure(.actionProhibited, "this certificate belongs to a node removed from the cluster; its calls are refused")
    }

    /// The header of every successful reply.
    func responseHeader() -> Coffer_V1_ResponseHeader {
        var header = Coffer_V1_ResponseHeader()
        header.revision = state.revision
        return header
    }

    /// The checked caller of a request from `peer`, once the state has reached the header's min_revision.
    func caller(_ header: Coffer_V1_RequestHeader, _ peer: Peer) async throws -> Caller {
        if header.minRevision > state.revision { try await state.waitForRevision(header.minRevision) }
        return try callerNow(header, peer)
    }

    /// The checked caller of a request from `peer`, without waiting: for a header whose min_revision the
    /// state has already reached (the fast path answers on an event loop, where nothing may wait).
    func callerNow(_ header: Coffer_V1_RequestHeader, _ peer: Peer) throws -> Caller {
        try refuseRevoked(peer)
        var user: User? = nil
        var loginID: UInt64 = 0
        if !header.loginToken.isEmpty {
            guard let login = logins.login(for: header.loginToken, from: peer) else { throw ServiceFailure.notLoggedIn }
            // The current record: a deleted user's token stops working, a changed role takes effect at once.
            do {
                user = try state.user(login.userID)
            } catch .userNotFound {
                throw ServiceFailure.notLoggedIn
            }
            loginID = login.id
        }
        var readWrite = true
        if header.session != 0 { readWrite = try sessions.isReadWrite(header.session, connection: peer.connection) }
        return Caller(peer: peer, user: user, login: loginID, session: header.session, readWrite: readWrite)
    }

    /// After a call that may have made session objects: if the session closed meanwhile, its objects go too.
    func settle(_ caller: Caller) {
        if caller.session != 0, !sessions.isOpen(caller.session) { state.endSession(caller.session) }
    }

    /// Drops what a closed connection held: its sessions (and their objects), its connection-bound
    /// logins, and its fast-path tickets and connections.
    func dropConnection(_ connection: String) {
        for session in sessions.closeAll(connection: connection) { state.endSession(session) }
        logins.dropConnection(connection)
        fastPath.connectionClosed(connection)
    }

    /// The one place where errors become RPCErrors.
    private func mapErrors<Response>(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as RPCError {
            throw error
        } catch {
            throw ServiceFailure(error).rpcError(revision: state.revision)
        }
    }
}
