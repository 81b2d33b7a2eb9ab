// A failure the CLI itself detects (bad file, unknown key, wrong input), shown as one line.

/// A one-line CLI error.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
