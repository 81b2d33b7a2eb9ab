// Where a password comes from: a file (first line), an environment variable, or a prompt on the
// terminal with echo off (or one line of stdin when stdin is not a terminal). Never printed.

import Foundation

/// Reads passwords without echoing them.
enum PasswordSource {
    /// The password from `file`, else `environment` (if named and set), else a prompt.
    static func read(file: String?, environment: String? = nil, prompt: String) throws -> [UInt8] {
        if let file {
            let data = try SecretFile.read(file)
            let line =
                data.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
            let password = Array(line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
            guard !password.isEmpty else { throw CLIError("\(file) holds an empty password") }
            return password
        }
        if let environment, let value = ProcessInfo.processInfo.environment[environment], !value.isEmpty {
            return Array(value.utf8)
        }
        return try promptLine(prompt)
    }

    /// One line from the terminal without echo, or from stdin when it is not a terminal.
    static func promptLine(_ prompt: String, echo: Bool = false) throws -> [UInt8] {
        let terminal = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if terminal {
            FileHandle.standardError.write(Data(prompt.utf8))
            if !echo {
                tcgetattr(STDIN_FILENO, &saved)
                var quiet = saved
                quiet.c_lflag &= ~tcflag_t(ECHO)
                tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
            }
        }
        defer {
            if terminal && !echo {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CLIError("no input given")
        }
        return Array(line.utf8)
    }
}
