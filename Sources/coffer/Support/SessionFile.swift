// <config dir>/session.json: the certificate-scoped login token `coffer login` made, kept 0600
// so that later commands (each a new connection) act as the same user.

import Foundation

/// The saved login.
struct SessionFile: Codable {
    var token: String
    var user: String
    var role: String

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

    static func delete() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
