// Printing a command's result: JSON (sorted keys, one document) with --json, else lines for people.

import Foundation

/// A command's output.
enum Output {
    /// Prints `json` as JSON when --json was given, else `human`.
    static func emit(_ options: CommonOptions, json: [String: Any], human: @autoclosure () -> String) throws {
        if options.json {
            let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let text = human()
            if !text.isEmpty { print(text) }
        }
    }
}
