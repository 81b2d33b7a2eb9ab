// `coffer key list` and `coffer key show`: what keys the user can see, and one key's attributes
// (sensitive values show as "sensitive"; a public key also as PEM when it has CKA_PUBLIC_KEY_INFO).

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

extension KeyCommand {
    /// `coffer key list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the keys you can see (yours and those shared with you).")

        @OptionGroup var options: CommonOptions
        @Option(help: "Only keys with this label.") var label: String?

        func run() async throws {
            let rows = try await Connection.with(options) { client in
                let template: [Coffer_V1_Attribute] = label.map { [.string(attribute("label"), $0)] } ?? []
                // One search brings every match and these (never secret) attributes, page by page.
                let types = ["class", "key-type", "label", "id"].map(attribute)
                let found = try await client.search(template: template, attributeTypes: types)
                return found.objects.map { object -> [String: Any] in
                    let values = Dictionary(object.attributes.map { ($0.type, $0) }, uniquingKeysWith: { first, _ in first })
                    return [
                        "handle": object.handle,
                        "class": values[types[0]]?.ulong.map(AttributeNames.className) ?? "",
                        "key_type": values[types[1]]?.ulong.map(AttributeNames.keyTypeName) ?? "",
                        "label": values[types[2]]?.string ?? "",
                        "id": values[types[3]]?.bytes.map(Hex.encode) ?? "",
                    ]
                }
            }
            try Output.emit(
                options, json: ["keys": rows],
                human: rows.map { row in
                    ["handle", "class", "key_type", "label"].map { "\(row[$0] ?? "")" }.joined(separator: "\t")
                }.joined(separator: "\n"))
        }
    }

    /// `coffer key show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a key's attributes, and its public key (PEM when available, else hex).")

        @OptionGroup var options: CommonOptions
        @Argument(help: "A handle or a label.") var key: String

        func run() async throws {
            let objects = try await Connection.with(options) { client in
                let handles = try await KeyLookup.all(client, key)
                guard !handles.isEmpty else { throw CLIError("no key \"\(key)\" visible to you") }
                var objects: [[String: Any]] = []
                for handle in handles {
                    let results = try await client.getAttributes(handle, types: AttributeNames.table.map(\.type))
                    var attributes: [String: Any] = [:]
                    var publicKeyPEM: String?
                    for result in results {
                        let name = AttributeNames.name(of: result.type)
                        if let value = result.bytes {
                            attributes[name] = AttributeNames.display(type: result.type, value: value)
                            if name == "public-key-info", !value.isEmpty { publicKeyPEM = pem(value) }
                        } else if result.returnCode == 0x11 {
                            attributes[name] = "sensitive"
                        }
                    }
                    var object: [String: Any] = ["handle": handle, "attributes": attributes]
                    if let publicKeyPEM { object["public_key_pem"] = publicKeyPEM }
                    objects.append(object)
                }
                return objects
            }
            try Output.emit(
                options, json: ["objects": objects],
                human: objects.map { object in
                    let attributes = (object["attributes"] as? [String: Any]) ?? [:]
                    let lines = attributes.keys.sorted().map { "  \($0): \(attributes[$0]!)" }
                    let pem = (object["public_key_pem"] as? String).map { "\n" + $0 } ?? ""
                    return "object \(object["handle"]!)\n" + lines.joined(separator: "\n") + pem
                }.joined(separator: "\n\n"))
        }

        private func pem(_ der: Data) -> String {
            let body = der.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            return "-----BEGIN PUBLIC KEY-----\n\(body)\n-----END PUBLIC KEY-----"
        }
    }
}
