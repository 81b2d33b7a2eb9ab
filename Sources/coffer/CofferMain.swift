// The entry point. Parses and runs a command; any failure becomes one line on stderr and a non-zero
// exit, never a stack trace (help and --version still print in full).

import ArgumentParser
import CofferClient
import Foundation

@main
enum CofferMain {
    static func main() async {
        do {
            var command = try CofferCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            fail(error)
        }
    }

    static func fail(_ error: any Error) -> Never {
        let code = CofferCommand.exitCode(for: error)
        if code == .success { CofferCommand.exit(withError: error) }
        let message: String
        let status: Int32
        switch error {
        case let error as CofferClientError where error.loginUnknown:
            // A CLI login lives in the node's memory: it ends when the node restarts or it idles out.
            (message, status) = (error.description + "; log in again with `coffer login --user NAME`", 1)
        case let error as CofferClientError: (message, status) = (error.description, 1)
        case let error as ClientConfigurationError: (message, status) = (error.description, 1)
        case let error as CLIError: (message, status) = (error.message, 1)
        case let error as PKCS11Error: (message, status) = (error.description, 1)
        case let error as AttributeNames.ParseError: (message, status) = (error.description, 1)
        default: (message, status) = (CofferCommand.message(for: error), code.rawValue)
        }
        // One line: ArgumentParser's messages may span several (e.g. the list of valid values).
        let line = message.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        FileHandle.standardError.write(Data("coffer: \(line.isEmpty ? "failed" : line)\n".utf8))
        exit(status == 0 ? 1 : status)
    }
}
