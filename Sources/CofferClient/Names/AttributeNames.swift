// Friendly attribute names for the CLI ("label", "sign", "value-len") with their CKA_* values and
// value kinds, and the names of object classes and key types. The one table of each.

import CofferProtocol
import Foundation

/// How an attribute's value is written and shown.
public enum AttributeValueKind: Sendable, Equatable {
    case bool, ulong, string, bytes
}

/// Attribute names, values and kinds; CKO_* and CKK_* names.
public enum AttributeNames {
    /// (name, CKA value, kind), in display order.
    public static let table: [(name: String, type: UInt64, kind: AttributeValueKind)] = [
        ("class", 0x0000, .ulong), ("token", 0x0001, .bool), ("private", 0x0002, .bool), ("label", 0x0003, .string),
        ("application", 0x0010, .string), ("value", 0x0011, .bytes), ("object-id", 0x0012, .bytes),
        ("trusted", 0x0086, .bool), ("check-value", 0x0090, .bytes),
        ("key-type", 0x0100, .ulong), ("subject", 0x0101, .bytes), ("id", 0x0102, .bytes),
        ("sensitive", 0x0103, .bool), ("encrypt", 0x0104, .bool), ("decrypt", 0x0105, .bool),
        ("wrap", 0x0106, .bool), ("unwrap", 0x0107, .bool), ("sign", 0x0108, .bool),
        ("sign-recover", 0x0109, .bool), ("verify", 0x010A, .bool), ("verify-recover", 0x010B, .bool),
        ("derive", 0x010C, .bool), ("modulus", 0x0120, .bytes), ("modulus-bits", 0x0121, .ulong),
        ("public-exponent", 0x0122, .bytes), ("public-key-info", 0x0129, .bytes),
        ("value-len", 0x0161, .ulong), ("extractable", 0x0162, .bool), ("local", 0x0163, .bool),
        ("never-extractable", 0x0164, .bool), ("always-sensitive", 0x0165, .bool),
        ("key-gen-mechanism", 0x0166, .ulong), ("modifiable", 0x0170, .bool), ("copyable", 0x0171, .bool),
        ("destroyable", 0x0172, .bool), ("ec-params", 0x0180, .bytes), ("ec-point", 0x0181, .bytes),
        ("always-authenticate", 0x0202, .bool), ("wrap-with-trusted", 0x0210, .bool),
        ("parameter-set", 0x061D, .ulong), ("encapsulate", 0x0633, .bool), ("decapsulate", 0x0634, .bool),
    ]

    /// CKO_* values by name.
    public static let objectClasses: [(name: String, value: UInt64)] = [
        ("data", 0x0), ("certificate", 0x1), ("public-key", 0x2), ("private-key", 0x3), ("secret-key", 0x4),
    ]

    /// CKK_* values by name.
    public static let keyTypes: [(name: String, value: UInt64)] = [
        ("rsa", 0x00), ("ec", 0x03), ("generic-secret", 0x10), ("aes", 0x1F), ("sha256-hmac", 0x2B),
        ("sha384-hmac", 0x2C), ("sha512-hmac", 0x2D), ("ec-edwards", 0x40), ("ec-montgomery", 0x41),
        ("ml-kem", 0x49), ("ml-dsa", 0x4A),
    ]

    /// The entry for a friendly name ("value-len"), a CKA_ name ("CKA_VALUE_LEN") or a number.
    public static func entry(named name: String) -> (name: String, type: UInt64, kind: AttributeValueKind)? {
        var key = name.lowercased()
        if key.hasPrefix("cka_") { key = String(key.dropFirst(4)).replacingOccurrences(of: "_", with: "-") }
        if let found = table.first(where: { $0.name == key }) { return found }
        let number = key.hasPrefix("0x") ? UInt64(key.dropFirst(2), radix: 16) : UInt64(key)
        guard let number else { return nil }
        return table.first { $0.type == number } ?? ("0x" + String(number, radix: 16), number, .bytes)
    }

    /// The friendly name of a CKA value, or its hex form.
    public static func name(of type: UInt64) -> String {
        table.first { $0.type == type }?.name ?? "0x" + String(type, radix: 16, uppercase: true)
    }

    /// The name of a CKO value.
    public static func className(_ value: UInt64) -> String {
        objectClasses.first { $0.value == value }?.name ?? "0x" + String(value, radix: 16)
    }

    /// The name of a CKK value.
    public static func keyTypeName(_ value: UInt64) -> String {
        keyTypes.first { $0.value == value }?.name ?? "0x" + String(value, radix: 16)
    }

    /// Why an assignment could not be parsed.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notAnAssignment(String)
        case unknownAttribute(String)
        case badValue(name: String, value: String, expected: String)

        public var description: String {
            switch self {
            case .notAnAssignment(let text): "expected NAME=VALUE, got \"\(text)\""
            case .unknownAttribute(let name): "unknown attribute \"\(name)\""
            case .badValue(let name, let value, let expected):
                "bad value \"\(value)\" for \(name): expected \(expected)"
            }
        }
    }

    /// Parses "NAME=VALUE": booleans as true/false/yes/no/1/0, numbers decimal or 0x-hex (or a class or
    /// key type name for "class" and "key-type"), strings as given, bytes as hex.
    public static func parse(assignment text: String) throws(ParseError) -> Coffer_V1_Attribute {
        guard let equals = text.firstIndex(of: "=") else { throw .notAnAssignment(text) }
        let name = String(text[..<equals])
        let value = String(text[text.index(after: equals)...])
        guard let entry = entry(named: name) else { throw .unknownAttribute(name) }
        switch entry.kind {
        case .bool:
            switch value.lowercased() {
            case "true", "yes", "1", "on": return .bool(entry.type, true)
            case "false", "no", "0", "off": return .bool(entry.type, false)
            default: throw .badValue(name: entry.name, value: value, expected: "true or false")
            }
        case .ulong:
            let names = entry.name == "class" ? objectClasses : entry.name == "key-type" ? keyTypes : []
            if let named = names.first(where: { $0.name == value.lowercased() }) {
                return .ulong(entry.type, named.value)
            }
            let lowered = value.lowercased()
            let number = lowered.hasPrefix("0x") ? UInt64(lowered.dropFirst(2), radix: 16) : UInt64(lowered)
            guard let number else { throw .badValue(name: entry.name, value: value, expected: "a number") }
            return .ulong(entry.type, number)
        case .string:
            return .string(entry.type, value)
        case .bytes:
            guard let bytes = Hex.decode(value) else {
                throw .badValue(name: entry.name, value: value, expected: "hex bytes")
            }
            return .bytes(entry.type, bytes)
        }
    }

    /// A value shown for people: booleans, numbers (class, key type and mechanism by name), text, hex.
    public static func display(type: UInt64, value: Data) -> String {
        let kind = table.first { $0.type == type }?.kind ?? .bytes
        switch kind {
        case .bool:
            return AttributeEncoding.bool(value).map { $0 ? "true" : "false" } ?? Hex.encode(value)
        case .ulong:
            guard let number = AttributeEncoding.ulong(value) else { return Hex.encode(value) }
            switch type {
            case 0x0000: return className(number)
            case 0x0100: return keyTypeName(number)
            case 0x0166: return MechanismNames.name(of: number)
            default: return String(number)
            }
        case .string:
            return String(data: value, encoding: .utf8) ?? Hex.encode(value)
        case .bytes:
            return Hex.encode(value)
        }
    }
}
