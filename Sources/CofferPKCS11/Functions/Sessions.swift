// Session management (PKCS#11 2.40 section 5.6): sessions map to node sessions; the login is the
// application's (one CofferClient login of LOGIN_SCOPE_CONNECTION shared by every session).
import CPKCS11
import CofferClient
import CofferProtocol
import Glibc

/// C_OpenSession: only serial sessions (section 5.6, CKF_SERIAL_SESSION must be set).
@_cdecl("C_OpenSession")
public func cOpenSession(
    _ slot: CK_SLOT_ID, _ flags: CK_FLAGS, _ application: UnsafeMutableRawPointer?, _ notify: CK_NOTIFY?,
    _ handle: UnsafeMutablePointer<CK_SESSION_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.read { _ in }
        guard slot == LibraryIdentity.slot else { throw CKRError(CK_RV(CKR_SLOT_ID_INVALID)) }
        let handle = try required(handle)
        guard flags & CK_FLAGS(CKF_SERIAL_SESSION) != 0 else { throw CKRError(CK_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED)) }
        let readWrite = flags & CK_FLAGS(CKF_RW_SESSION) != 0
        let open = { () throws(CKRError) -> (UInt64, Int) in
            try Library.shared.call { (client: CofferClient) async throws(CofferClientError) in
                (try await client.openSession(readWrite: readWrite), client.failovers)
            }
        }
        let remote: UInt64
        let generation: Int
        do throws(CKRError) {
            (remote, generation) = try open()
        } catch where (try? Library.shared.forgotLogin(error)) ?? false {
            // The node forgot the login this client holds for it (it restarted): without it, the
            // session opens, and its first call logs in there again.
            try Library.shared.forgetNodeLogin()
            (remote, generation) = try open()
        }
        handle.pointee = try Library.shared.change { (state: inout Library.State) throws(CKRError) in
            // Opened after a failover, the session's first call logs the application in on this node
            // again (Library.bind).
            let local = state.nextSession
            state.nextSession += 1
            state.sessions[local] = Session(remote: remote, readWrite: readWrite, generation: generation)
            return local
        }
    }
}

/// Closes node sessions; when the application's last session closes its login ends
/// (section 5.6, C_CloseSession).
private func close(_ handles: [CK_SESSION_HANDLE]) throws(CKRError) {
    try Library.shared.changingLogin { () throws(CKRError) in
        let (remotes, logout) = try Library.shared.change { (state: inout Library.State) throws(CKRError) in
            // A node session on a node the client failed over from is gone with that node.
            let current = state.client!.failovers
            let remotes = handles.compactMap { state.sessions.removeValue(forKey: $0) }
                .filter { $0.generation == current }.map(\.remote)
            let logout = state.sessions.isEmpty && state.loggedIn
            if logout { state.loggedIn = false }
            return (remotes, logout)
        }
        try closeOnNode(remotes, logout: logout)
    }
}

/// Closes the node's sessions, then (for the application's last session) ends its login there.
private func closeOnNode(_ remotes: [UInt64], logout: Bool) throws(CKRError) {
    var failure: CKRError?
    for remote in remotes {
        do {
            try Library.shared.call { (client: CofferClient) async throws(CofferClientError) in try await client.closeSession(remote) }
        } catch {
            // A node that lost the session (or is gone) already closed it; the local handle is gone either way.
            if error.code != CK_RV(CKR_SESSION_HANDLE_INVALID), !error.unreachable { failure = error }
        }
    }
    if logout {
        _ = try? Library.shared.call { (client: CofferClient) async throws(CofferClientError) in
            await client.logOutEverywhere()
        }
    }
    if let failure { throw failure }
}

/// C_CloseSession.
@_cdecl("C_CloseSession")
public func cCloseSession(_ session: CK_SESSION_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        try close([session])
    }
}

/// C_CloseAllSessions.
@_cdecl("C_CloseAllSessions")
public func cCloseAllSessions(_ slot: CK_SLOT_ID) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.read { _ in }
        guard slot == LibraryIdentity.slot else { throw CKRError(CK_RV(CKR_SLOT_ID_INVALID)) }
        try close(try Library.shared.read { Array($0.sessions.keys) })
    }
}

/// C_GetSessionInfo.
@_cdecl("C_GetSessionInfo")
public func cGetSessionInfo(_ session: CK_SESSION_HANDLE, _ info: UnsafeMutablePointer<CK_SESSION_INFO>?) -> CK_RV {
    returnCode { () throws(CKRError) in
        let (record, loggedIn) = try Library.shared.read { (state: Library.State) throws(CKRError) in
            guard let record = state.sessions[session] else { throw CKRError(CK_RV(CKR_SESSION_HANDLE_INVALID)) }
            return (record, state.loggedIn)
        }
        let info = try required(info)
        let state: UInt =
            switch (record.readWrite, loggedIn) {
            case (false, false): UInt(CKS_RO_PUBLIC_SESSION)
            case (false, true): UInt(CKS_RO_USER_FUNCTIONS)
            case (true, false): UInt(CKS_RW_PUBLIC_SESSION)
            case (true, true): UInt(CKS_RW_USER_FUNCTIONS)
            }
        info.pointee = CK_SESSION_INFO(
            slotID: LibraryIdentity.slot, state: CK_STATE(state),
            flags: CK_FLAGS(CKF_SERIAL_SESSION) | (record.readWrite ? CK_FLAGS(CKF_RW_SESSION) : 0), ulDeviceError: 0)
    }
}

/// C_Login: CKU_USER with the PIN "user:password" logs a crypto-user in for every session;
/// CKU_CONTEXT_SPECIFIC authenticates one operation (see `contextLogin`).
@_cdecl("C_Login")
public func cLogin(
    _ session: CK_SESSION_HANDLE, _ userType: CK_USER_TYPE, _ pin: UnsafeMutablePointer<CK_UTF8CHAR>?, _ pinLength: CK_ULONG
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        guard userType == CK_USER_TYPE(CKU_USER) || userType == CK_USER_TYPE(CKU_CONTEXT_SPECIFIC) || userType == approvalUserType else {
            throw CKRError(CK_RV(CKR_USER_TYPE_INVALID))
        }
        guard let pin else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        if userType == approvalUserType { return try presentApproval(session, token: pin, pinLength) }
        var bytes = try inputBytes(pin, pinLength, limit: Limits.pin, tooLong: CK_RV(CKR_PIN_LEN_RANGE))
        defer { zeroise(&bytes) }
        if userType == CK_USER_TYPE(CKU_CONTEXT_SPECIFIC) { return try contextLogin(session, pin: bytes) }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0,
            let user = String(validating: bytes[..<colon], as: UTF8.self)
        else { throw CKRError(CK_RV(CKR_PIN_INCORRECT)) }
        let credential = Credential(user: user, password: bytes[(colon + 1)...])
        // The login is the application's (section 5.6): the first of racing threads logs in, the
        // others wait for it and change nothing.
        try Library.shared.changingLogin { () throws(CKRError) in
            guard try !Library.shared.read({ $0.loggedIn }) else { throw CKRError(CK_RV(CKR_USER_ALREADY_LOGGED_IN)) }
            let generation = try Library.shared.call { (client: CofferClient) async throws(CofferClientError) in
                // Counted before the call: a failover during it leaves the login marked as the old node's.
                let generation = client.failovers
                var password = credential.password
                defer { zeroise(&password) }
                _ = try await client.login(user: user, password: password, scope: .connection)
                return generation
            }
            let client = try Library.shared.change { (state: inout Library.State) in
                state.loggedIn = true
                state.loginGeneration = generation
                state.loginUser = user
                state.credential = credential
                return state.client!
            }
            Library.shared.logInOnStandbys(client, credential)
        }
    }
}

/// CKU_COFFER_APPROVAL: CKU_VENDOR_DEFINED (0x80000000) | 0x434F5154 ("COQT").
let approvalUserType = CK_USER_TYPE(0x8000_0000 | 0x434F_5154)

/// C_Login with CKU_COFFER_APPROVAL (docs/quorum.md, "PKCS#11"): the "PIN" is a quorum token's id,
/// which the session's next C_*Init (with its OperationInit), C_WrapKey, C_UnwrapKey or
/// C_DestroyObject sends to the node; the node consumes it there when that call needs approvals. A token is not a secret, and the login changes nothing
/// else: the application must be logged in (CKR_USER_NOT_LOGGED_IN), and an id that is not 1 to 64
/// letters and digits is CKR_PIN_INVALID.
private func presentApproval(_ handle: CK_SESSION_HANDLE, token pointer: UnsafeMutablePointer<CK_UTF8CHAR>, _ length: CK_ULONG) throws(CKRError) {
    guard try Library.shared.read({ $0.loggedIn }) else { throw CKRError(CK_RV(CKR_USER_NOT_LOGGED_IN)) }
    let bytes = try inputBytes(pointer, length, limit: 64, tooLong: CK_RV(CKR_PIN_LEN_RANGE))
    guard !bytes.isEmpty else { throw CKRError(CK_RV(CKR_PIN_LEN_RANGE)) }
    guard bytes.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }),
        let token = String(validating: bytes, as: UTF8.self)
    else { throw CKRError(CK_RV(CKR_PIN_INVALID)) }
    try Library.shared.withSession(handle) { $0.approval = token }
}

/// C_Login with CKU_CONTEXT_SPECIFIC (PKCS#11 3.0 section 4.9, CKA_ALWAYS_AUTHENTICATE): the
/// logged-in user's password again, for the session's active sign or decrypt operation, after its
/// C_*Init and before the call that uses the key. The PIN is the password, or `user:password` as for
/// C_Login (applications commonly repeat the login PIN). The node checks it as a login (failures
/// count towards lockout) and lets that one operation use the key.
private func contextLogin(_ handle: CK_SESSION_HANDLE, pin: [UInt8]) throws(CKRError) {
    let (loggedIn, user) = try Library.shared.read { ($0.loggedIn, $0.loginUser) }
    guard loggedIn else { throw CKRError(CK_RV(CKR_USER_NOT_LOGGED_IN)) }
    let prefix = Array(user.utf8) + [UInt8(ascii: ":")]
    // Held as a credential: one buffer, zeroised when this call ends.
    let given = Credential(user: user, password: pin.starts(with: prefix) ? pin[prefix.count...] : pin[...])
    defer { given.wipe() }
    let found = try Library.shared.withSession(handle) { (session: inout Session) in
        let kind = [Session.OperationKind.sign, .decrypt].first { session.operations[$0] != nil }
        return kind.flatMap { kind in session.operations[kind].map { (kind, $0) } }
    }
    guard let (kind, operation) = found else { throw CKRError(CK_RV(CKR_OPERATION_NOT_INITIALIZED)) }
    let wireKind = kind.wire
    try Library.shared.onSession(handle, .once) { (binding: Library.Binding) throws(CKRError) in
        var operation = operation
        guard !operation.move(to: binding.remote) else {
            Library.shared.end(kind, session: handle)
            throw CKRError(CK_RV(CKR_DEVICE_REMOVED))
        }
        // A locally started operation would end as a single-part call, which has nothing to authenticate.
        if !operation.startedOnNode {
            try Library.shared.startOnNode(kind, mechanism: operation.mechanism, key: operation.key, session: binding.remote)
            try Library.shared.withSession(handle) { (session: inout Session) in
                session.operations[kind]?.startedOnNode = true
                session.operations[kind]?.nodeSession = binding.remote
            }
        }
        let remote = binding.remote
        let client = binding.client
        try Blocking.run(limit: binding.limit) { () async throws(CofferClientError) in
            var password = given.password
            defer { zeroise(&password) }
            try await client.operationAuthenticate(wireKind, password: password, session: remote)
        }
        try Library.shared.withSession(handle) { $0.operations[kind]?.fedNode = true }
    }
}

/// C_Logout: ends the application's login.
@_cdecl("C_Logout")
public func cLogout(_ session: CK_SESSION_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        try Library.shared.changingLogin { () throws(CKRError) in
            let wasLoggedIn = try Library.shared.change { (state: inout Library.State) in
                defer { state.loggedIn = false }
                return state.loggedIn
            }
            guard wasLoggedIn else { throw CKRError(CK_RV(CKR_USER_NOT_LOGGED_IN)) }
            // On every node this client logged in on; a node that is gone ended its login with it.
            try Library.shared.call { (client: CofferClient) async throws(CofferClientError) in
                await client.logOutEverywhere()
            }
        }
    }
}

/// C_InitPIN: users are created with `coffer user create`.
@_cdecl("C_InitPIN")
public func cInitPIN(_ session: CK_SESSION_HANDLE, _ pin: UnsafeMutablePointer<CK_UTF8CHAR>?, _ pinLength: CK_ULONG) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_SetPIN: not yet (`coffer user password` changes a password).
@_cdecl("C_SetPIN")
public func cSetPIN(
    _ session: CK_SESSION_HANDLE, _ oldPin: UnsafeMutablePointer<CK_UTF8CHAR>?, _ oldLength: CK_ULONG,
    _ newPin: UnsafeMutablePointer<CK_UTF8CHAR>?, _ newLength: CK_ULONG
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_GetOperationState: operation state never leaves the node.
@_cdecl("C_GetOperationState")
public func cGetOperationState(
    _ session: CK_SESSION_HANDLE, _ state: UnsafeMutablePointer<CK_BYTE>?, _ length: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_SetOperationState: see C_GetOperationState.
@_cdecl("C_SetOperationState")
public func cSetOperationState(
    _ session: CK_SESSION_HANDLE, _ state: UnsafeMutablePointer<CK_BYTE>?, _ length: CK_ULONG,
    _ encryptionKey: CK_OBJECT_HANDLE, _ authenticationKey: CK_OBJECT_HANDLE
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}
