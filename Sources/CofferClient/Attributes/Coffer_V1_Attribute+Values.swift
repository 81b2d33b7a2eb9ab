// Building raw attributes the way a PKCS#11 caller lays them out (CK_BBOOL one byte, CK_ULONG eight
// bytes little-endian, strings as UTF-8) and reading them back from results.

import CofferProtocol
import Foundation

extension Coffer_V1_Attribute {
    /// A CK_BBOOL attribute.
    public static func bool(_ type: UInt64, _ value: Bool) -> Coffer_V1_Attribute {
        bytes(type, Data([value ? 1 : 0]))
    }

    /// A CK_ULONG attribute (eight bytes, little-endian).
    public static func ulong(_ type: UInt64, _ value: UInt64) -> Coffer_V1_Attribute {
        bytes(type, AttributeEncoding.ulong(value))
    }

    /// A UTF-8 string attribute (CKA_LABEL and the like).
    public static func string(_ type: UInt64, _ value: String) -> Coffer_V1_Attribute {
        bytes(type, Data(value.utf8))
    }

    /// A byte-array attribute.
    public static func bytes(_ type: UInt64, _ value: Data) -> Coffer_V1_Attribute {
        var attribute = Coffer_V1_Attribute()
        attribute.type = type
        attribute.value = value
        return attribute
    }
}

extension Coffer_V1_AttributeResult {
    /// The value bytes, or nil when the node refused this attribute.
    public var bytes: Data? {
        if case .value(let value)? = result { return value }
        return nil
    }

    /// The per-attribute CKR the node gave instead of a value.
    public var returnCode: UInt? {
        if case .error(let code)? = result { return UInt(code) }
        return nil
    }

    /// The value as CK_BBOOL.
    public var bool: Bool? { bytes.flatMap(AttributeEncoding.bool) }

    /// The value as CK_ULONG.
    public var ulong: UInt64? { bytes.flatMap(AttributeEncoding.ulong) }

    /// The value as UTF-8 text.
    public var string: String? { bytes.flatMap { String(data: $0, encoding: .utf8) } }
}

/// The raw encodings of CK_BBOOL and CK_ULONG values.
public enum AttributeEncoding {
    /// Eight bytes, little-endian.
    public static func ulong(_ value: UInt64) -> Data {
        Data((0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }

    /// Reads a CK_ULONG (eight bytes, or four from a 32-bit caller), little-endian.
    public static func ulong(_ data: Data) -> UInt64? {
        guard data.count == 8 || data.count == 4 else { return nil }
        return data.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Reads a CK_BBOOL.
    public static func bool(_ data: Data) -> Bool? {
        data.count == 1 ? data.first != 0 : nil
    }
}
