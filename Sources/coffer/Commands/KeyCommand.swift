// `coffer key ...`: generate, list, show, delete, share, change and wrap keys. Generated keys are
// token objects (they persist), private and sensitive; non-extractable unless --extractable.

import ArgumentParser
import CofferClient
import CofferProtocol
import Crypto
import Foundation

/// The key command group.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Generate and manage keys (as a crypto-user).",
        discussion: "KEY arguments are a handle number or a label (a key pair's two halves share their label).",
        subcommands: [
            GenerateSymmetric.self, GenerateAsymmetric.self, List.self, Show.self, Delete.self, Share.self,
            Unshare.self, SetAttribute.self, Wrap.self, Unwrap.self, Attest.self,
        ])

    static func attribute(_ name: String) -> UInt64 { AttributeNames.entry(named: name)!.type }
    static func objectClass(_ name: String) -> UInt64 { AttributeNames.objectClasses.first { $0.name == name }!.value }

    /// A random CKA_ID tying a pair's halves together.
    static func newID() -> Data { OperationMechanism.randomIV(16) }
}

extension KeyCommand {
    /// `coffer key generate-symmetric`.
    struct GenerateSymmetric: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-symmetric", abstract: "Generate an AES key.")

        @OptionGroup var options: CommonOptions
        @Option(help: "The key's label; with --count, the labels' prefix.") var label: String
        @Option(help: "Key size: 128, 192 or 256.") var bits: Int = 256
        @Flag(help: "Allow the key to be wrapped out (it stays sensitive).") var extractable = false
        @Option(
            help: ArgumentHelp(
                "Generate this many keys, labelled <label><first>, <label><first+1>, ... (no CKA_ID).",
                discussion: "The node writes them in transactions of up to 1,000 keys."))
        var count: Int?
        @Option(help: "With --count, the number in the first key's label.") var first: UInt64 = 0

        func validate() throws {
            guard [128, 192, 256].contains(bits) else { throw ValidationError("--bits must be 128, 192 or 256") }
            if let count, count < 1 { throw ValidationError("--count must be at least 1") }
            if let count, first > UInt64.max - UInt64(count) { throw ValidationError("--first + --count overflows") }
        }

        func run() async throws {
            var mechanism = Coffer_V1_Mechanism()
            mechanism.type = MechanismNames.value(named: "aes-key-gen")!
            let common: [Coffer_V1_Attribute] = [
                .ulong(attribute("class"), objectClass("secret-key")),
                .ulong(attribute("key-type"), AttributeNames.keyTypes.first { $0.name == "aes" }!.value),
                .ulong(attribute("value-len"), UInt64(bits / 8)),
                .bool(attribute("token"), true), .bool(attribute("private"), true),
                .bool(attribute("sensitive"), true), .bool(attribute("extractable"), extractable),
            ]
            if let count {
                try await generateMany(mechanism: mechanism, template: common, count: count)
                return
            }
            let template = common + [.string(attribute("label"), label), .bytes(attribute("id"), newID())]
            let handle = try await Connection.with(options) {
                try await $0.generateKey(mechanism: mechanism, template: template)
            }
            try Output.emit(
                options, json: ["handle": handle, "label": label, "type": "aes-\(bits)"],
                human: "generated aes-\(bits) key \"\(label)\": handle \(handle)")
        }

        /// The request id of the batch of `count` keys numbered from `first`: derived from the command's
        /// arguments, so that running the same command again (after it was interrupted) names the same
        /// keys, and the node makes only those that are missing instead of a second set.
        private func batchID(first: UInt64, count: Int) -> RequestID {
            var input = Array("coffer-cli/generate-symmetric/v1".utf8) + [0, UInt8(bits / 8), extractable ? 1 : 0]
            input += Array(label.utf8) + [0]
            withUnsafeBytes(of: first.bigEndian) { input += $0 }
            withUnsafeBytes(of: UInt64(count).bigEndian) { input += $0 }
            return RequestID(bytes: Data(SHA256.hash(data: input)))!
        }

        /// `count` keys in batches of the node's transaction size, with progress on stderr for long runs.
        /// Each batch is one call with an id derived from the arguments (`batchID`): a rerun of the same
        /// command makes no duplicates. A failure says how many keys are stored and how to go on.
        private func generateMany(mechanism: Coffer_V1_Mechanism, template: [Coffer_V1_Attribute], count: Int) async throws {
            let batch = 1000
            let started = Date()
            var lastNote = started
            try await Connection.with(options) { client in
                var done = 0
                while done < count {
                    let n = min(batch, count - done)
                    let batchFirst = first + UInt64(done)
                    do {
                        _ = try await client.generateKeys(
                            mechanism: mechanism, template: template, count: n, labelPrefix: label, firstNumber: batchFirst,
                            request: batchID(first: batchFirst, count: n))
                    } catch {
                        let stored = done == 0 ? "no batch was complete" : "\(label)\(first) to \(label)\(batchFirst - 1) are stored"
                        throw CLIError(
                            "\(String(describing: error)) (\(done) of \(count) keys in complete batches: \(stored); running the same command again makes only the missing ones)")
                    }
                    done += n
                    if Date().timeIntervalSince(lastNote) >= 5 {
                        FileHandle.standardError.write(Data("coffer: \(done)/\(count) keys generated\n".utf8))
                        lastNote = Date()
                    }
                }
            }
            let last = first + UInt64(count - 1)
            let seconds = Date().timeIntervalSince(started)
            try Output.emit(
                options,
                json: [
                    "count": count, "first_label": "\(label)\(first)", "last_label": "\(label)\(last)", "type": "aes-\(bits)",
                    "seconds": (seconds * 10).rounded() / 10,
                ],
                human: "generated \(count) aes-\(bits) keys \"\(label)\(first)\" to \"\(label)\(last)\" in \(String(format: "%.1f", seconds)) s")
        }
    }

    /// `coffer key generate-asymmetric`.
    struct GenerateAsymmetric: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-asymmetric", abstract: "Generate a key pair.",
            discussion: "Types: " + AsymmetricKeyType.allCases.map(\.rawValue).joined(separator: ", ") + ".")

        @OptionGroup var options: CommonOptions
        @Option(help: "The label of both halves.") var label: String
        @Option(name: .customLong("type"), help: "The key pair type.") var keyType: AsymmetricKeyType
        @Flag(help: "Allow the private key to be wrapped out (it stays sensitive).") var extractable = false

        func run() async throws {
            var mechanism = Coffer_V1_Mechanism()
            mechanism.type = keyType.mechanism
            let id = newID()
            let common: [Coffer_V1_Attribute] = [
                .ulong(attribute("key-type"), keyType.keyType), .bool(attribute("token"), true),
                .string(attribute("label"), label), .bytes(attribute("id"), id),
            ]
            let publicTemplate = common + [.ulong(attribute("class"), objectClass("public-key")), keyType.domain]
            let privateTemplate =
                common + [
                    .ulong(attribute("class"), objectClass("private-key")), .bool(attribute("private"), true),
                    .bool(attribute("sensitive"), true), .bool(attribute("extractable"), extractable),
                ]
            let pair = try await Connection.with(options) {
                try await $0.generateKeyPair(
                    mechanism: mechanism, publicTemplate: publicTemplate, privateTemplate: privateTemplate)
            }
            try Output.emit(
                options,
                json: [
                    "public_handle": pair.publicKey, "private_handle": pair.privateKey, "label": label,
                    "type": keyType.rawValue,
                ],
                human:
                    "generated \(keyType.rawValue) key pair \"\(label)\": public \(pair.publicKey), private \(pair.privateKey)"
            )
        }
    }
}
