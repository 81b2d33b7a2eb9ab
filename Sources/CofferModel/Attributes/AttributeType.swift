// PKCS#11 attribute types (CK_ATTRIBUTE_TYPE) with the specification's values.
// The post-quantum ones (CKA_PARAMETER_SET, CKA_ENCAPSULATE, CKA_DECAPSULATE) are PKCS#11 3.2's.

/// A PKCS#11 `CK_ATTRIBUTE_TYPE` value. Any value can be held; `kind` says whether Coffer knows it.
public struct AttributeType: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    // Common object and storage attributes
    public static let objectClass = AttributeType(rawValue: 0x0000)
    public static let token = AttributeType(rawValue: 0x0001)
    public static let `private` = AttributeType(rawValue: 0x0002)
    public static let label = AttributeType(rawValue: 0x0003)
    public static let application = AttributeType(rawValue: 0x0010)
    public static let value = AttributeType(rawValue: 0x0011)
    public static let objectID = AttributeType(rawValue: 0x0012)
    public static let modifiable = AttributeType(rawValue: 0x0170)
    public static let copyable = AttributeType(rawValue: 0x0171)
    public static let destroyable = AttributeType(rawValue: 0x0172)

    // Certificates
    public static let certificateType = AttributeType(rawValue: 0x0080)
    public static let issuer = AttributeType(rawValue: 0x0081)
    public static let serialNumber = AttributeType(rawValue: 0x0082)
    public static let trusted = AttributeType(rawValue: 0x0086)
    public static let certificateCategory = AttributeType(rawValue: 0x0087)
    public static let javaMIDPSecurityDomain = AttributeType(rawValue: 0x0088)
    public static let url = AttributeType(rawValue: 0x0089)
    public static let hashOfSubjectPublicKey = AttributeType(rawValue: 0x008A)
    public static let hashOfIssuerPublicKey = AttributeType(rawValue: 0x008B)
    public static let nameHashAlgorithm = AttributeType(rawValue: 0x008C)
    public static let checkValue = AttributeType(rawValue: 0x0090)

    // Keys
    public static let keyType = AttributeType(rawValue: 0x0100)
    public static let subject = AttributeType(rawValue: 0x0101)
    public static let id = AttributeType(rawValue: 0x0102)
    public static let sensitive = AttributeType(rawValue: 0x0103)
    public static let encrypt = AttributeType(rawValue: 0x0104)
    public static let decrypt = AttributeType(rawValue: 0x0105)
    public static let wrap = AttributeType(rawValue: 0x0106)
    public static let unwrap = AttributeType(rawValue: 0x0107)
    public static let sign = AttributeType(rawValue: 0x0108)
    public static let signRecover = AttributeType(rawValue: 0x0109)
    public static let verify = AttributeType(rawValue: 0x010A)
    public static let verifyRecover = AttributeType(rawValue: 0x010B)
    public static let derive = AttributeType(rawValue: 0x010C)
    public static let startDate = AttributeType(rawValue: 0x0110)
    public static let endDate = AttributeType(rawValue: 0x0111)
    public static let publicKeyInfo = AttributeType(rawValue: 0x0129)
    public static let valueLen = AttributeType(rawValue: 0x0161)
    public static let extractable = AttributeType(rawValue: 0x0162)
    public static let local = AttributeType(rawValue: 0x0163)
    public static let neverExtractable = AttributeType(rawValue: 0x0164)
    public static let alwaysSensitive = AttributeType(rawValue: 0x0165)
    public static let keyGenMechanism = AttributeType(rawValue: 0x0166)
    public static let alwaysAuthenticate = AttributeType(rawValue: 0x0202)
    public static let wrapWithTrusted = AttributeType(rawValue: 0x0210)
    /// CKA_ALLOWED_MECHANISMS = CKF_ARRAY_ATTRIBUTE | 0x600.
    public static let allowedMechanisms = AttributeType(rawValue: 0x4000_0600)

    // RSA
    public static let modulus = AttributeType(rawValue: 0x0120)
    public static let modulusBits = AttributeType(rawValue: 0x0121)
    public static let publicExponent = AttributeType(rawValue: 0x0122)
    public static let privateExponent = AttributeType(rawValue: 0x0123)
    public static let prime1 = AttributeType(rawValue: 0x0124)
    public static let prime2 = AttributeType(rawValue: 0x0125)
    public static let exponent1 = AttributeType(rawValue: 0x0126)
    public static let exponent2 = AttributeType(rawValue: 0x0127)
    public static let coefficient = AttributeType(rawValue: 0x0128)

    // Elliptic curves
    public static let ecParams = AttributeType(rawValue: 0x0180)
    public static let ecPoint = AttributeType(rawValue: 0x0181)

    // Post-quantum (PKCS#11 3.2)
    public static let parameterSet = AttributeType(rawValue: 0x061D)
    public static let encapsulate = AttributeType(rawValue: 0x0633)
    public static let decapsulate = AttributeType(rawValue: 0x0634)

    public static func < (lhs: AttributeType, rhs: AttributeType) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        Self.names[self] ?? "CKA(0x" + String(rawValue, radix: 16, uppercase: true) + ")"
    }

    private static let names: [AttributeType: String] = [
        .objectClass: "CKA_CLASS", .token: "CKA_TOKEN", .private: "CKA_PRIVATE", .label: "CKA_LABEL",
        .application: "CKA_APPLICATION", .value: "CKA_VALUE", .objectID: "CKA_OBJECT_ID",
        .modifiable: "CKA_MODIFIABLE", .copyable: "CKA_COPYABLE", .destroyable: "CKA_DESTROYABLE",
        .certificateType: "CKA_CERTIFICATE_TYPE", .issuer: "CKA_ISSUER", .serialNumber: "CKA_SERIAL_NUMBER",
        .trusted: "CKA_TRUSTED", .certificateCategory: "CKA_CERTIFICATE_CATEGORY", .checkValue: "CKA_CHECK_VALUE",
        .javaMIDPSecurityDomain: "CKA_JAVA_MIDP_SECURITY_DOMAIN", .url: "CKA_URL",
        .hashOfSubjectPublicKey: "CKA_HASH_OF_SUBJECT_PUBLIC_KEY", .hashOfIssuerPublicKey: "CKA_HASH_OF_ISSUER_PUBLIC_KEY",
        .nameHashAlgorithm: "CKA_NAME_HASH_ALGORITHM",
        .keyType: "CKA_KEY_TYPE", .subject: "CKA_SUBJECT", .id: "CKA_ID", .sensitive: "CKA_SENSITIVE",
        .encrypt: "CKA_ENCRYPT", .decrypt: "CKA_DECRYPT", .wrap: "CKA_WRAP", .unwrap: "CKA_UNWRAP",
        .sign: "CKA_SIGN", .signRecover: "CKA_SIGN_RECOVER", .verify: "CKA_VERIFY",
        .verifyRecover: "CKA_VERIFY_RECOVER", .derive: "CKA_DERIVE", .startDate: "CKA_START_DATE",
        .endDate: "CKA_END_DATE", .publicKeyInfo: "CKA_PUBLIC_KEY_INFO", .valueLen: "CKA_VALUE_LEN",
        .extractable: "CKA_EXTRACTABLE", .local: "CKA_LOCAL", .neverExtractable: "CKA_NEVER_EXTRACTABLE",
        .alwaysSensitive: "CKA_ALWAYS_SENSITIVE", .keyGenMechanism: "CKA_KEY_GEN_MECHANISM",
        .alwaysAuthenticate: "CKA_ALWAYS_AUTHENTICATE", .wrapWithTrusted: "CKA_WRAP_WITH_TRUSTED",
        .allowedMechanisms: "CKA_ALLOWED_MECHANISMS", .modulus: "CKA_MODULUS", .modulusBits: "CKA_MODULUS_BITS",
        .publicExponent: "CKA_PUBLIC_EXPONENT", .privateExponent: "CKA_PRIVATE_EXPONENT", .prime1: "CKA_PRIME_1",
        .prime2: "CKA_PRIME_2", .exponent1: "CKA_EXPONENT_1", .exponent2: "CKA_EXPONENT_2",
        .coefficient: "CKA_COEFFICIENT", .ecParams: "CKA_EC_PARAMS", .ecPoint: "CKA_EC_POINT",
        .parameterSet: "CKA_PARAMETER_SET", .encapsulate: "CKA_ENCAPSULATE", .decapsulate: "CKA_DECAPSULATE",
    ]
}
