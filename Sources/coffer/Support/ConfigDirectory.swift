// Where the CLI keeps its files: the config dir ($COFFER_CONFIG_DIR, $XDG_CONFIG_HOME/coffer or
// ~/.config/coffer), and the profile path resolution order COMMON to the CLI and its tests.

import Foundation

/// The CLI's config folder and the profile it uses.
enum ConfigDirectory {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The config folder (not created here).
    static var path: String {
        if let dir = environment["COFFER_CONFIG_DIR"], !dir.isEmpty { return dir }
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/coffer" }
        return NSHomeDirectory() + "/.config/coffer"
    }

    /// The profile: `--profile`, else $COFFER_PROFILE, else <config dir>/profile.json.
    static func profilePath(_ option: String?) -> String {
        if let option, !option.isEmpty { return option }
        if let env = environment["COFFER_PROFILE"], !env.isEmpty { return env }
        return path + "/profile.json"
    }

    /// Creates the config folder (0700) if it is missing.
    static func create() throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}
