// Opens a client for one command from the profile, with the saved login token when the command
// acts as a user.

import CofferClient
import Foundation

/// Builds the command's `CofferClient`.
enum Connection {
    /// A client from the profile; with `login`, carrying the saved login token (or failing with a
    /// hint to log in).
    static func open(_ options: CommonOptions, login: Bool = true) throws -> CofferClient {
        var configuration = try ClientConfiguration.load(profileAt: ConfigDirectory.profilePath(options.profile))
        // A command makes a call or two and exits: attaching fast-path connections would cost more
        // than it saves.
        configuration.usesFastPath = false
        let client = try CofferClient(configuration: configuration)
        if let token = options.quorumToken { client.quorumToken = token }
        if login {
            client.loginToken = try session().token
        }
        return client
    }

    /// The saved login, or a hint to log in.
    static func session() throws -> SessionFile {
        guard let session = try SessionFile.load() else {
            throw CLIError("not logged in: run `coffer login --user NAME` first")
        }
        return session
    }

    /// Runs `body` with a client and closes it afterwards, success or not. With `login`, the calls
    /// carry the highest revision the login's earlier commands saw (so a key made through one node is
    /// found on the next command through another), and the highest seen now is saved for the next.
    static func with<T>(
        _ options: CommonOptions, login: Bool = true, _ body: (CofferClient) async throws -> T
    ) async throws -> T {
        let client = try open(options, login: login)
        let session = login ? try session() : nil
        if let revision = session?.revision { client.observe(revision: revision) }
        defer { if let session { try? session.raise(to: client.highestRevision) } }
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }
}
