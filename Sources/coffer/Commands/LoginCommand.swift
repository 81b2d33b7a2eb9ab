// `coffer login` and `coffer logout`: a certificate-scoped login token kept in session.json (0600).

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

/// `coffer login`.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Log in as a user; later commands act as that user.",
        discussion: """
            The password comes from --password-file, else $COFFER_PASSWORD, else a prompt without echo. \
            The token is bound to this profile's client certificate and expires when unused; it is kept \
            in <config dir>/session.json (mode 0600).
            """)

    @OptionGroup var options: CommonOptions
    @Option(help: "The user's name.") var user: String
    @Option(name: .customLong("password-file"), help: "File whose first line is the password.") var passwordFile:
        String?

    func run() async throws {
        let password = try PasswordSource.read(
            file: passwordFile, environment: "COFFER_PASSWORD", prompt: "Password for \(user): ")
        let (response, revision) = try await Connection.with(options, login: false) {
            (try await $0.login(user: user, password: password, scope: .certificate), $0.highestRevision)
        }
        let role = UserCommand.roleName(response.role)
        try SessionFile(token: response.loginToken, user: user, role: role, revision: revision).save()
        try Output.emit(options, json: ["user": user, "role": role], human: "logged in as \(user) (\(role))")
    }
}

/// `coffer logout`.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout", abstract: "Revoke the saved login token and delete session.json.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        guard let session = try SessionFile.load() else {
            try Output.emit(options, json: ["logged_out": false], human: "not logged in")
            return
        }
        defer { SessionFile.delete() }
        try await Connection.with(options) { try await $0.logout() }
        try Output.emit(options, json: ["logged_out": true, "user": session.user], human: "logged out \(session.user)")
    }
}
