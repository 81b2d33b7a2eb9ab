// `coffer key ...`: generate, list, show, delete, share, change and wrap keys. Generated keys are
// token objects (they persist), private and sensitive; non-extractable unless --extractable.

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

/// The key command group.
struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Generate and manage keys (as a crypto-user).",
        discussion: "KEY arguments are a handle number or a label (a key pair's two halves share their label).",
        subcommands: [
            GenerateSymmetric.self, GenerateAsymmetric.self, List.self, Show.self, Delete.self, Share.self,
            Unshare.self, SetAttribute.self, Wrap.self, Unwrap.self,
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
        @Option(help: "The key's label.") var label: String
        @Option(help: "Key size: 128, 192 or 256.") var bits: Int = 256
        @Flag(help: "Allow the key to be wrapped out (it stays sensitive).") var extractable = false

        func validate() throws {
            guard [128, 192, 256].contains(bits) else { throw ValidationError("--bits must be 128, 192 or 256") }
        }

        func run() async throws {
            var mechanism = Coffer_V1_Mechanism()
            mechanism.type = MechanismNames.value(named: "aes-key-gen")!
            let template: [Coffer_V1_Attribute] = [
                .ulong(attribute("class"), objectClass("secret-key")),
                .ulong(attribute("key-type"), AttributeNames.keyTypes.first { $0.name == "aes" }!.value),
                .ulong(attribute("value-len"), UInt64(bits / 8)),
                .bool(attribute("token"), true), .bool(attribute("private"), true),
                .bool(attribute("sensitive"), true), .bool(attribute("extractable"), extractable),
                .string(attribute("label"), label), .bytes(attribute("id"), newID()),
            ]
            let handle = try await Connection.with(options) {
                try await $0.generateKey(mechanism: mechanism, template: template)
            }
            try Output.emit(
                options, json: ["handle": handle, "label": label, "type": "aes-\(bits)"],
                human: "generated aes-\(bits) key \"\(label)\": handle \(handle)")
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
