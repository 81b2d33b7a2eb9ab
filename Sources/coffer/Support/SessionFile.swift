// <config dir>/session.json: the certificate-scoped login token `coffer login` made, kept 0600
// so that later commands (each a new connection) act as the same user, and the highest store
// revision the commands of that login have seen, so that the next command, on whichever node, is
// answered only once that node has caught up with it.

import Foundation

/// The saved login.
struct SessionFile: Codable {
    var token: String
    var user: String
    var role: String
    /// The highest revision any reply to this login's commands carried (nil in a file written
    /// before it was kept). A new login starts again from its own reply, so a revision never
    /// crosses from one cluster to another.
    var revision: Int64?

    static var path: String { ConfigDirectory.path + "/session.json" }

    /// The saved login, or nil when there is none.
    static func load() throws -> SessionFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data = try SecretFile.read(path)
        guard let session = try? JSONDecoder().decode(SessionFile.self, from: data) else {
            throw CLIError("\(path) is damaged; run `coffer logout` and log in again")
        }
        return session
    }

    func save() throws {
        try ConfigDirectory.create()
        try SecretFile.write(try JSONEncoder().encode(self), to: Self.path)
    }

    /// Saves `revision` as the highest seen, if it is higher than the one in the file now (read
    /// again here, so that commands running side by side only ever raise it) and the file still
    /// holds the same login.
    func raise(to revision: Int64) throws {
        guard var current = try Self.load(), current.token == token, revision > (current.revision ?? 0) else { return }
        current.revision = revision
        try current.save()
    }

    static func delete() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
