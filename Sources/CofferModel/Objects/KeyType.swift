// PKCS#11 key types (CK_KEY_TYPE) that Coffer stores; CKK_ML_KEM and CKK_ML_DSA are PKCS#11 3.2's.

/// A `CKK_*` value.
public enum KeyType: UInt64, Sendable, CaseIterable, CustomStringConvertible {
    case rsa = 0x00
    case ec = 0x03
    case genericSecret = 0x10
    case aes = 0x1F
    case sha256HMAC = 0x2B
    case sha384HMAC = 0x2C
    case sha512HMAC = 0x2D
    case ecEdwards = 0x40
    case ecMontgomery = 0x41
    case mlKEM = 0x49
    case mlDSA = 0x4A

    /// Whether keys of this type are secret (symmetric) keys.
    public var isSecret: Bool {
        switch self {
        case .genericSecret, .aes, .sha256HMAC, .sha384HMAC, .sha512HMAC: true
        case .rsa, .ec, .ecEdwards, .ecMontgomery, .mlKEM, .mlDSA: false
        }
    }

    public var description: String {
        switch self {
        case .rsa: "CKK_RSA"
        case .ec: "CKK_EC"
        case .genericSecret: "CKK_GENERIC_SECRET"
        case .aes: "CKK_AES"
        case .sha256HMAC: "CKK_SHA256_HMAC"
        case .sha384HMAC: "CKK_SHA384_HMAC"
        case .sha512HMAC: "CKK_SHA512_HMAC"
        case .ecEdwards: "CKK_EC_EDWARDS"
        case .ecMontgomery: "CKK_EC_MONTGOMERY"
        case .mlKEM: "CKK_ML_KEM"
        case .mlDSA: "CKK_ML_DSA"
        }
    }
}
