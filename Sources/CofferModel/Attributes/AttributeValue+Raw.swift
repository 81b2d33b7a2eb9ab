// Decoding from and encoding to the raw PKCS#11 byte form of a CK_ATTRIBUTE value.
// CK_BBOOL is one byte and CK_ULONG eight bytes little-endian (LP64 Linux, the only platform served).

import CofferCrypto

extension AttributeValue {
    /// The byte length of a `CK_ULONG` on this platform.
    public static let ulongSize = 8

    /// Decodes the raw bytes of attribute `type`.
    /// Throws `.attributeTypeInvalid` for an unknown type and `.attributeValueInvalid` for a wrong length or form.
    public init(decoding raw: [UInt8], as type: AttributeType) throws(ModelError) {
        guard let kind = type.kind else { throw .attributeTypeInvalid(type) }
        switch kind {
        case .bool:
            guard raw.count == 1 else { throw .attributeValueInvalid(type, "CK_BBOOL must be 1 byte, got \(raw.count)") }
            // C semantics: any non-zero byte is true.
            self = .bool(raw[0] != 0)
        case .ulong:
            guard raw.count == Self.ulongSize else {
                throw .attributeValueInvalid(type, "CK_ULONG must be \(Self.ulongSize) bytes, got \(raw.count)")
            }
            self = .ulong(Self.decodeULong(raw[...]))
        case .bytes:
            self = .bytes(raw)
        case .string:
            guard let s = String(validating: raw, as: UTF8.self) else {
                throw .attributeValueInvalid(type, "not valid UTF-8")
            }
            self = .string(s)
        case .date:
            self = .date(try Self.decodeDate(raw, type: type))
        case .mechanisms:
            guard raw.count % Self.ulongSize == 0 else {
                throw .attributeValueInvalid(type, "mechanism list length \(raw.count) is not a multiple of \(Self.ulongSize)")
            }
            var list: [MechanismType] = []
            var i = raw.startIndex
            while i < raw.endIndex {
                let v = Self.decodeULong(raw[i..<(i + Self.ulongSize)])
                guard let m = UInt(exactly: v) else { throw .attributeValueInvalid(type, "mechanism out of range") }
                list.append(MechanismType(rawValue: m))
                i += Self.ulongSize
            }
            self = .mechanisms(list)
        }
    }

    /// The raw PKCS#11 byte form of this value.
    public var rawBytes: [UInt8] {
        switch self {
        case .bool(let b): [b ? 1 : 0]
        case .ulong(let v): Self.encodeULong(v)
        case .bytes(let b): b
        case .string(let s): Array(s.utf8)
        case .date(nil): []
        case .date(let d?): Array((padded(d.year, 4) + padded(d.month, 2) + padded(d.day, 2)).utf8)
        case .mechanisms(let list): list.flatMap { Self.encodeULong(UInt64($0.rawValue)) }
        }
    }

    static func decodeULong(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var v: UInt64 = 0
        for (shift, b) in bytes.enumerated() { v |= UInt64(b) << (8 * UInt64(shift)) }
        return v
    }

    static func encodeULong(_ v: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
    }

    private static func decodeDate(_ raw: [UInt8], type: AttributeType) throws(ModelError) -> CKDate? {
        // PKCS#11 §4.4 (storage attributes): an empty CKA_START_DATE/CKA_END_DATE means "no date".
        if raw.isEmpty { return nil }
        guard raw.count == 8, raw.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .attributeValueInvalid(type, "CK_DATE must be 8 ASCII digits YYYYMMDD")
        }
        let digits = raw.map { Int($0 - 0x30) }
        func number(_ r: Range<Int>) -> Int { digits[r].reduce(0) { $0 * 10 + $1 } }
        guard let date = CKDate(year: number(0..<4), month: number(4..<6), day: number(6..<8)) else {
            throw .attributeValueInvalid(type, "CK_DATE out of range")
        }
        return date
    }
}

/// `v` in decimal, zero-padded on the left to `width` digits.
private func padded(_ v: Int, _ width: Int) -> String {
    let digits = String(v)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
