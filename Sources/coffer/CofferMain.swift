// The entry point. Parses and runs a command; any failure becomes one line on stderr and a non-zero
// exit, never a stack trace (help and --version still print in full).

import ArgumentParser
import CofferClient
import Foundation

@main
enum CofferMain {
    static func main() async {
        do {
            var command = try CofferCommand.parseAsRoot(Self.commonOptionsLast(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            fail(error)
        }
    }

    /// `coffer --profile P --json key list` read as `coffer key list --profile P --json`: the common
    /// options belong to each command, where ArgumentParser looks for them after the command's
    /// name, but users put them first too. Only leading `--profile VALUE`, `--profile=VALUE` and
    /// `--json` move, and only when a command follows them.
    static func commonOptionsLast(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first == "--json" || first.hasPrefix("--profile=") {
                leading.append(first)
                rest = rest.dropFirst()
            } else if first == "--profile", rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        guard !leading.isEmpty, let command = rest.first, !command.hasPrefix("-") else { return arguments }
        // Whatever follows "--" is not options: the moved ones go before it.
        if let separator = rest.firstIndex(of: "--") {
            return Array(rest[..<separator]) + leading + Array(rest[separator...])
        }
        return Array(rest) + leading
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
