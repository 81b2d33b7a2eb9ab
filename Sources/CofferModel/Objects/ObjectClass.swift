// PKCS#11 object classes (CK_OBJECT_CLASS) that Coffer stores.

/// A `CKO_*` value.
public enum ObjectClass: UInt64, Sendable, CaseIterable, CustomStringConvertible {
    case data = 0x0
    case certificate = 0x1
    case publicKey = 0x2
    case privateKey = 0x3
    case secretKey = 0x4

    /// Whether objects of this class are keys.
    public var isKey: Bool { self == .publicKey || self == .privateKey || self == .secretKey }

    public var description: String {
        switch self {
        case .data: "CKO_DATA"
        case .certificate: "CKO_CERTIFICATE"
        case .publicKey: "CKO_PUBLIC_KEY"
        case .privateKey: "CKO_PRIVATE_KEY"
        case .secretKey: "CKO_SECRET_KEY"
        }
    }
}
