// NodeService and UserService calls: status, unseal, login and logout, and user administration.

import CofferProtocol
import Foundation

extension CofferClient {
    /// The node's seal state and identity. Idempotent; retried on other endpoints.
    public func status() async throws(CofferClientError) -> Coffer_V1_GetStatusResponse {
        try await callWithoutHeader(Coffer_V1_NodeService.Method.GetStatus.descriptor, Coffer_V1_GetStatusRequest())
    }

    /// The current endpoint's attestation for `nonce` (statement bytes and signature), unchecked.
    public func attestation(nonce: [UInt8]) async throws(CofferClientError) -> (statement: [UInt8], signature: [UInt8]) {
        var request = Coffer_V1_GetAttestationRequest()
        request.nonce = Data(nonce)
        let response: Coffer_V1_GetAttestationResponse = try await callWithoutHeader(
            Coffer_V1_NodeService.Method.GetAttestation.descriptor, request)
        return (Array(response.statement), Array(response.signature))
    }

    /// Gives one unseal share to the current endpoint.
    public func unseal(share: String) async throws(CofferClientError) -> Coffer_V1_UnsealResponse {
        var request = Coffer_V1_UnsealRequest()
        request.share = share
        return try await callWithoutHeader(Coffer_V1_NodeService.Method.Unseal.descriptor, request)
    }

    /// Logs in and keeps the token for later calls (see `loginToken`).
    /// - Parameter scope: `.connection` for the PKCS#11 library, `.certificate` for the CLI.
    @discardableResult
    public func login(
        user: String, password: [UInt8], scope: Coffer_V1_LoginScope = .connection
    ) async throws(CofferClientError) -> Coffer_V1_LoginResponse {
        var request = Coffer_V1_LoginRequest()
        request.userName = user
        request.password = Data(password)
        request.scope = scope
        // Login is never retried on another endpoint, so it goes to this one.
        let index = selection.index
        let response: Coffer_V1_LoginResponse = try await callWithoutHeader(
            Coffer_V1_NodeService.Method.Login.descriptor, request)
        state.withLock { $0.tokens[index] = response.loginToken }
        return response
    }

    /// Revokes the current endpoint's login token and forgets it.
    public func logout() async throws(CofferClientError) {
        let index = selection.index
        let _: Coffer_V1_LogoutResponse = try await call(
            Coffer_V1_NodeService.Method.Logout.descriptor, Coffer_V1_LogoutRequest())
        state.withLock { state in
            state.tokens[index] = nil
            state.sharedToken = ""
        }
    }

    /// Creates a user (admin only).
    public func createUser(name: String, role: Coffer_V1_Role, password: [UInt8]) async throws(CofferClientError)
        -> Coffer_V1_User
    {
        var request = Coffer_V1_CreateUserRequest()
        request.name = name
        request.role = role
        request.password = Data(password)
        let response: Coffer_V1_CreateUserResponse = try await call(
            Coffer_V1_UserService.Method.CreateUser.descriptor, request)
        return response.user
    }

    /// Deletes a user (admin only).
    public func deleteUser(name: String) async throws(CofferClientError) {
        var request = Coffer_V1_DeleteUserRequest()
        request.name = name
        let _: Coffer_V1_DeleteUserResponse = try await call(
            Coffer_V1_UserService.Method.DeleteUser.descriptor, request)
    }

    /// Lists the users.
    public func listUsers() async throws(CofferClientError) -> [Coffer_V1_User] {
        let response: Coffer_V1_ListUsersResponse = try await call(
            Coffer_V1_UserService.Method.ListUsers.descriptor, Coffer_V1_ListUsersRequest())
        return response.users
    }

    /// Changes a password; `name` nil changes the logged-in user's own.
    public func changePassword(name: String? = nil, newPassword: [UInt8]) async throws(CofferClientError) {
        var request = Coffer_V1_ChangePasswordRequest()
        request.name = name ?? ""
        request.newPassword = Data(newPassword)
        let _: Coffer_V1_ChangePasswordResponse = try await call(
            Coffer_V1_UserService.Method.ChangePassword.descriptor, request)
    }

    /// Unlocks a user locked out by failed logins (admin only).
    public func unlockUser(name: String) async throws(CofferClientError) {
        var request = Coffer_V1_UnlockUserRequest()
        request.name = name
        let _: Coffer_V1_UnlockUserResponse = try await call(
            Coffer_V1_UserService.Method.UnlockUser.descriptor, request)
    }
}

extension CofferClient {
    /// AuditService.ReadAudit: the audit log's blocks from the one holding entry `from` on (auditors).
    public func readAudit(from: UInt64, limit: UInt32 = 0) async throws(CofferClientError) -> Coffer_V1_ReadAuditResponse {
        var request = Coffer_V1_ReadAuditRequest()
        request.from = from
        request.limit = limit
        return try await call(Coffer_V1_AuditService.Method.ReadAudit.descriptor, request)
    }

    /// AuditService.ArchiveAudit: removes the log's blocks before entry `before` (auditors); returns
    /// how many entries left the store.
    public func archiveAudit(before: UInt64) async throws(CofferClientError) -> UInt64 {
        var request = Coffer_V1_ArchiveAuditRequest()
        request.before = before
        let response: Coffer_V1_ArchiveAuditResponse = try await call(Coffer_V1_AuditService.Method.ArchiveAudit.descriptor, request)
        return response.removedEntries
    }

    /// AuditService.SetAuditReader: grants (or takes back) `name`'s right to read the log; returns
    /// the users who have it.
    public func setAuditReader(_ name: String, granted: Bool) async throws(CofferClientError) -> [String] {
        var request = Coffer_V1_SetAuditReaderRequest()
        request.name = name
        request.granted = granted
        let response: Coffer_V1_AuditReadersResponse = try await call(Coffer_V1_AuditService.Method.SetAuditReader.descriptor, request)
        return response.readers
    }

    /// AuditService.ListAuditReaders: the users granted the right to read the log.
    public func auditReaders() async throws(CofferClientError) -> [String] {
        let response: Coffer_V1_AuditReadersResponse = try await call(
            Coffer_V1_AuditService.Method.ListAuditReaders.descriptor, Coffer_V1_ListAuditReadersRequest())
        return response.readers
    }
}

extension CofferClient {
    /// QuorumService.RegisterApprovalKey: the caller's P-256 approval key (SubjectPublicKeyInfo DER).
    public func registerApprovalKey(_ publicKey: [UInt8]) async throws(CofferClientError) {
        var request = Coffer_V1_RegisterApprovalKeyRequest()
        request.publicKey = Data(publicKey)
        let _: Coffer_V1_RegisterApprovalKeyResponse = try await call(Coffer_V1_QuorumService.Method.RegisterApprovalKey.descriptor, request)
    }

    /// QuorumService.SetQuorum (admins).
    /// QuorumService.SetQuorum: the approvals `service` needs; for key-usage, each use of `key`.
    public func setQuorum(service: String, approvals: UInt32, key: UInt64 = 0) async throws(CofferClientError) {
        var request = Coffer_V1_SetQuorumRequest()
        request.service = service
        request.approvals = approvals
        request.key = key
        let _: Coffer_V1_SetQuorumResponse = try await call(Coffer_V1_QuorumService.Method.SetQuorum.descriptor, request)
    }

    /// QuorumService.GetQuorum.
    public func getQuorum() async throws(CofferClientError) -> Coffer_V1_GetQuorumResponse {
        try await call(Coffer_V1_QuorumService.Method.GetQuorum.descriptor, Coffer_V1_GetQuorumRequest())
    }

    /// QuorumService.RequestQuorum: a token for `operation` of `service`.
    public func requestQuorum(service: String, operation: String, validSeconds: UInt64) async throws(CofferClientError) -> Coffer_V1_QuorumTokenResponse {
        var request = Coffer_V1_RequestQuorumRequest()
        request.service = service
        request.operation = operation
        request.validSeconds = validSeconds
        return try await call(Coffer_V1_QuorumService.Method.RequestQuorum.descriptor, request)
    }

    /// QuorumService.GetQuorumToken.
    public func quorumToken(_ id: String) async throws(CofferClientError) -> Coffer_V1_QuorumTokenResponse {
        var request = Coffer_V1_GetQuorumTokenRequest()
        request.id = id
        return try await call(Coffer_V1_QuorumService.Method.GetQuorumToken.descriptor, request)
    }

    /// QuorumService.ApproveQuorum: the caller's signature over the token's signed text.
    public func approveQuorum(_ id: String, signature: [UInt8]) async throws(CofferClientError) -> Coffer_V1_QuorumTokenResponse {
        var request = Coffer_V1_ApproveQuorumRequest()
        request.id = id
        request.signature = Data(signature)
        return try await call(Coffer_V1_QuorumService.Method.ApproveQuorum.descriptor, request)
    }
}
