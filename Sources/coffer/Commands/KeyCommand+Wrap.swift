// `coffer key wrap` and `coffer key unwrap`: move an extractable key out under a wrapping key, and
// back in as a new token key.

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

extension KeyCommand {
    /// `coffer key wrap`.
    struct Wrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wrap an extractable key under a wrapping key and write the wrapped bytes to a file.")

        @OptionGroup var options: CommonOptions
        @Option(name: .customLong("wrapping-key"), help: "The wrapping key: a handle or a label.") var wrappingKey:
            String
        @Option(help: "The key to wrap: a handle or a label.") var key: String
        @Option(help: "aes-kwp (default), aes-kw, rsa-pkcs-oaep, ...") var mechanism = "aes-kwp"
        @Option(help: "Where to write the wrapped key.") var out: String

        func run() async throws {
            let mechanism = try OperationMechanism.mechanism(self.mechanism)
            let wrapped = try await Connection.with(options) { client in
                let wrapping = try await KeyLookup.one(client, wrappingKey, classes: [0x4, 0x2], role: "wrapping")
                let target = try await KeyLookup.one(client, key, classes: [0x4, 0x3], role: "secret or private")
                return try await client.wrapKey(mechanism: mechanism, wrappingKey: wrapping, key: target)
            }
            try SecretFile.write(wrapped, to: out)
            try Output.emit(
                options, json: ["out": out, "length": wrapped.count], human: "wrote \(wrapped.count) bytes to \(out)")
        }
    }

    /// `coffer key unwrap`.
    struct Unwrap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unwrap a wrapped key from a file into a new token key.",
            discussion: """
                A secret key is its value; a private key is PKCS#8 PrivateKeyInfo (RSA, EC on P-256/384/521, \
                Ed25519 as ec-edwards, X25519 as ec-montgomery), as other HSMs wrap private keys for \
                migration. With aes-kwp (RFC 5649), a blob from SoftHSM2's CKM_AES_KEY_WRAP_PAD unwraps \
                here. The new key is sensitive, not local, and unextractable unless --extractable.
                """)

        @OptionGroup var options: CommonOptions
        @Option(name: .customLong("unwrapping-key"), help: "The unwrapping key: a handle or a label.")
        var unwrappingKey: String
        @Option(name: .customLong("in"), help: "The wrapped key file.") var input: String
        @Option(help: "The new key's label.") var label: String
        @Option(help: "aes-kwp (default), aes-kw, rsa-pkcs-oaep, ...") var mechanism = "aes-kwp"
        @Option(name: .customLong("class"), help: "The wrapped key's class: secret-key or private-key.")
        var objectClass = "secret-key"
        @Option(
            name: .customLong("key-type"),
            help: "The wrapped key's type: aes, generic-secret, ... for a secret key; rsa, ec, ec-edwards or ec-montgomery for a private key.")
        var keyType = "aes"
        @Flag(help: "Let the new key be wrapped out again.") var extractable = false

        func run() async throws {
            guard let classValue = AttributeNames.objectClasses.first(where: { $0.name == objectClass })?.value else {
                throw CLIError("unknown --class \"\(objectClass)\"")
            }
            guard let typeValue = AttributeNames.keyTypes.first(where: { $0.name == keyType })?.value else {
                throw CLIError("unknown --key-type \"\(keyType)\"")
            }
            let mechanism = try OperationMechanism.mechanism(self.mechanism)
            let wrapped = try SecretFile.read(input)
            let template: [Coffer_V1_Attribute] = [
                .ulong(attribute("class"), classValue), .ulong(attribute("key-type"), typeValue),
                .bool(attribute("token"), true), .bool(attribute("private"), true),
                .bool(attribute("sensitive"), true), .bool(attribute("extractable"), extractable),
                .string(attribute("label"), label), .bytes(attribute("id"), newID()),
            ]
            let handle = try await Connection.with(options) { client in
                let unwrapping = try await KeyLookup.one(
                    client, unwrappingKey, classes: [0x4, 0x3], role: "unwrapping")
                return try await client.unwrapKey(
                    mechanism: mechanism, unwrappingKey: unwrapping, wrappedKey: wrapped, template: template)
            }
            try Output.emit(
                options, json: ["handle": handle, "label": label], human: "unwrapped \"\(label)\": handle \(handle)")
        }
    }
}
