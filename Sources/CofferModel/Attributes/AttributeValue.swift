// A typed attribute value. Templates arrive as raw PKCS#11 bytes and are decoded into these
// once, so that every later check works on values rather than on byte layouts.

import CofferCrypto

/// The value of one attribute, typed by its `AttributeKind`.
public enum AttributeValue: Sendable, Hashable {
    case bool(Bool)
    case ulong(UInt64)
    case bytes([UInt8])
    case string(String)
    /// A `CK_DATE`; nil is the empty date PKCS#11 allows for CKA_START_DATE/CKA_END_DATE.
    case date(CKDate?)
    case mechanisms([MechanismType])

    /// The kind this value has.
    public var kind: AttributeKind {
        switch self {
        case .bool: .bool
        case .ulong: .ulong
        case .bytes: .bytes
        case .string: .string
        case .date: .date
        case .mechanisms: .mechanisms
        }
    }
}

/// `CK_DATE`: a calendar date as PKCS#11 stores it (YYYYMMDD in ASCII).
public struct CKDate: Sendable, Hashable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A date; nil when a field is out of range.
    public init?(year: Int, month: Int, day: Int) {
        guard (1900...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }
}
