// `coffer user create|delete|list|change-password|unlock`: user administration (admins), and
// changing one's own password.

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

/// The user command group.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users (as an admin) and change passwords.",
        subcommands: [Create.self, Delete.self, List.self, ChangePassword.self, Unlock.self, RegisterApprovalKey.self])

    static func roleName(_ role: Coffer_V1_Role) -> String {
        switch role {
        case .admin: "admin"
        case .cryptoUser: "crypto-user"
        case .auditor: "auditor"
        default: "unknown"
        }
    }

    static func json(_ user: Coffer_V1_User) -> [String: Any] {
        [
            "id": user.id, "name": user.name, "role": roleName(user.role), "locked": user.locked,
            "failed_logins": user.failedLogins,
        ]
    }

    /// A role given on the command line.
    enum RoleArgument: String, ExpressibleByArgument, CaseIterable {
        case admin, cryptoUser = "crypto-user", auditor

        var wire: Coffer_V1_Role {
            switch self {
            case .admin: .admin
            case .cryptoUser: .cryptoUser
            case .auditor: .auditor
            }
        }
    }
}

extension UserCommand {
    /// `coffer user create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user.",
            discussion:
                "The password comes from --password-file, else $COFFER_NEW_PASSWORD, else a prompt without echo.")

        @OptionGroup var options: CommonOptions
        @Option(help: "The new user's name.") var name: String
        @Option(help: "admin, crypto-user or auditor.") var role: RoleArgument
        @Option(name: .customLong("password-file"), help: "File whose first line is the new user's password.")
        var passwordFile: String?

        func run() async throws {
            let password = try PasswordSource.read(
                file: passwordFile, environment: "COFFER_NEW_PASSWORD", prompt: "Password for \(name): ")
            let user = try await Connection.with(options) {
                try await $0.createUser(name: name, role: role.wire, password: password)
            }
            try Output.emit(
                options, json: UserCommand.json(user), human: "created \(role.rawValue) \(name) (id \(user.id))")
        }
    }

    /// `coffer user delete`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user.")

        @OptionGroup var options: CommonOptions
        @Option(help: "The user to delete.") var name: String

        func run() async throws {
            try await Connection.with(options) { try await $0.deleteUser(name: name) }
            try Output.emit(options, json: ["deleted": name], human: "deleted \(name)")
        }
    }

    /// `coffer user list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users with their roles and lock state.")

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let users = try await Connection.with(options) { try await $0.listUsers() }
            try Output.emit(
                options, json: ["users": users.map(UserCommand.json)],
                human: users.map {
                    "\($0.name)\t\(UserCommand.roleName($0.role))\($0.locked ? "\tLOCKED" : "")"
                }.joined(separator: "\n"))
        }
    }

    /// `coffer user change-password`.
    struct ChangePassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "change-password", abstract: "Change your own password, or (as an admin) another user's.",
            discussion:
                "The new password comes from --password-file, else $COFFER_NEW_PASSWORD, else a prompt without echo.")

        @OptionGroup var options: CommonOptions
        @Option(help: "Whose password (default: your own).") var name: String?
        @Option(name: .customLong("password-file"), help: "File whose first line is the new password.")
        var passwordFile: String?

        func run() async throws {
            let password = try PasswordSource.read(
                file: passwordFile, environment: "COFFER_NEW_PASSWORD", prompt: "New password: ")
            try await Connection.with(options) { try await $0.changePassword(name: name, newPassword: password) }
            try Output.emit(options, json: ["changed": name ?? ""], human: "password changed")
        }
    }

    /// `coffer user unlock`.
    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unlock a user locked out by failed logins.")

        @OptionGroup var options: CommonOptions
        @Option(help: "The user to unlock.") var name: String

        func run() async throws {
            try await Connection.with(options) { try await $0.unlockUser(name: name) }
            try Output.emit(options, json: ["unlocked": name], human: "unlocked \(name)")
        }
    }
}
