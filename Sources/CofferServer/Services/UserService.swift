// UserService: admins create, delete, list and unlock users; anyone changes its own password.
// The access rules live in the state machine; this only decodes and replies.

import CofferCrypto
import CofferModel
import CofferProtocol
import CofferState
import GRPCCore

/// User administration.
struct UserService: Coffer_V1_UserService.SimpleServiceProtocol {
    let gate: RequestGate

    func createUser(request: Coffer_V1_CreateUserRequest, context: ServerContext) async throws -> Coffer_V1_CreateUserResponse {
        try await gate.run(request.header, context) { caller in
            let actor = try caller.requireUser()
            let role = try WireDecoding.role(request.role)
            let user = try await gate.state.createUser(
                name: request.name, role: role, password: WireDecoding.password(request.password), by: actor)
            var response = Coffer_V1_CreateUserResponse()
            response.user = Self.wire(user)
            response.header = gate.responseHeader()
            return response
        }
    }

    func deleteUser(request: Coffer_V1_DeleteUserRequest, context: ServerContext) async throws -> Coffer_V1_DeleteUserResponse {
        try await gate.run(request.header, context) { caller in
            try await gate.state.deleteUser(named: request.name, by: try caller.requireUser())
            var response = Coffer_V1_DeleteUserResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    func listUsers(request: Coffer_V1_ListUsersRequest, context: ServerContext) async throws -> Coffer_V1_ListUsersResponse {
        try await gate.run(request.header, context) { caller in
            let users = try gate.state.users(by: try caller.requireUser())
            var response = Coffer_V1_ListUsersResponse()
            response.users = users.map(Self.wire)
            response.header = gate.responseHeader()
            return response
        }
    }

    func changePassword(request: Coffer_V1_ChangePasswordRequest, context: ServerContext) async throws -> Coffer_V1_ChangePasswordResponse {
        try await gate.run(request.header, context) { caller in
            try await gate.state.changePassword(
                ofNamed: request.name.isEmpty ? nil : request.name, to: WireDecoding.password(request.newPassword),
                by: try caller.requireUser())
            var response = Coffer_V1_ChangePasswordResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    func unlockUser(request: Coffer_V1_UnlockUserRequest, context: ServerContext) async throws -> Coffer_V1_UnlockUserResponse {
        try await gate.run(request.header, context) { caller in
            try await gate.state.unlockUser(named: request.name, by: try caller.requireUser())
            var response = Coffer_V1_UnlockUserResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    static func wire(_ user: User) -> Coffer_V1_User {
        var wire = Coffer_V1_User()
        wire.id = user.id.rawValue
        wire.name = user.name
        wire.role = WireDecoding.wire(user.role)
        wire.locked = user.locked
        wire.failedLogins = user.failedLoginCount
        return wire
    }
}
