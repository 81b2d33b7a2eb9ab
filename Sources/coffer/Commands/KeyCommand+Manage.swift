// `coffer key delete|share|unshare|set-attribute`. A label names every object that carries it, so
// a key pair is deleted or shared as a whole.

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

extension KeyCommand {
    /// `coffer key delete`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a key (by label: every object with that label, e.g. both halves of a pair).")

        @OptionGroup var options: CommonOptions
        @Argument(help: "A handle or a label.") var key: String

        func run() async throws {
            let handles = try await Connection.with(options) { client in
                let handles = try await KeyLookup.all(client, key)
                guard !handles.isEmpty else { throw CLIError("no key \"\(key)\" visible to you") }
                for handle in handles { try await client.destroyObject(handle) }
                return handles
            }
            try Output.emit(
                options, json: ["deleted": handles],
                human: "deleted \(handles.map(String.init).joined(separator: ", "))")
        }
    }

    /// `coffer key share`.
    struct Share: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let another crypto-user use a key of yours.")

        @OptionGroup var options: CommonOptions
        @Argument(help: "A handle or a label.") var key: String
        @Option(name: .customLong("with"), help: "The user to share with.") var user: String

        func run() async throws {
            let handles = try await KeyCommand.share(options, key: key, user: user, shared: true)
            try Output.emit(options, json: ["shared": handles, "with": user], human: "shared \(key) with \(user)")
        }
    }

    /// `coffer key unshare`.
    struct Unshare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a share.")

        @OptionGroup var options: CommonOptions
        @Argument(help: "A handle or a label.") var key: String
        @Option(name: .customLong("from"), help: "The user to withdraw the share from.") var user: String

        func run() async throws {
            let handles = try await KeyCommand.share(options, key: key, user: user, shared: false)
            try Output.emit(options, json: ["unshared": handles, "from": user], human: "unshared \(key) from \(user)")
        }
    }

    static func share(_ options: CommonOptions, key: String, user: String, shared: Bool) async throws -> [UInt64] {
        try await Connection.with(options) { client in
            let handles = try await KeyLookup.all(client, key)
            guard !handles.isEmpty else { throw CLIError("no key \"\(key)\" visible to you") }
            for handle in handles { try await client.shareObject(handle, with: user, shared: shared) }
            return handles
        }
    }

    /// `coffer key set-attribute`.
    struct SetAttribute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-attribute", abstract: "Change attributes of a key.",
            discussion: """
                Each NAME=VALUE names an attribute (label, id, sign, decrypt, extractable, ... or CKA_* or a \
                number); booleans are true/false, numbers decimal or 0x-hex, byte values hex. The node \
                enforces PKCS#11's rules (e.g. sensitive can only become true).
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "A handle or a label.") var key: String
        @Argument(help: "NAME=VALUE pairs.") var assignments: [String]

        func validate() throws {
            guard !assignments.isEmpty else { throw ValidationError("give at least one NAME=VALUE") }
        }

        func run() async throws {
            let template = try assignments.map { try AttributeNames.parse(assignment: $0) }
            let handles = try await Connection.with(options) { client in
                let handles = try await KeyLookup.all(client, key)
                guard !handles.isEmpty else { throw CLIError("no key \"\(key)\" visible to you") }
                for handle in handles { try await client.setAttributes(handle, template: template) }
                return handles
            }
            try Output.emit(
                options, json: ["changed": handles],
                human: "changed \(handles.map(String.init).joined(separator: ", "))")
        }
    }
}
