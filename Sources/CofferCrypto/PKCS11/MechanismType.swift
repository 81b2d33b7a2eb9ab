// PKCS#11 mechanism types (CK_MECHANISM_TYPE) that Coffer implements or names.
// Values are the specification's; the post-quantum ones are PKCS#11 3.2's.

/// A PKCS#11 `CK_MECHANISM_TYPE` value.
public struct MechanismType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }

    // RSA
    public static let rsaPKCSKeyPairGen = MechanismType(rawValue: 0x0000)
    public static let rsaPKCS = MechanismType(rawValue: 0x0001)
    public static let rsaPKCSOAEP = MechanismType(rawValue: 0x0009)
    public static let rsaPKCSPSS = MechanismType(rawValue: 0x000D)
    public static let sha256RSAPKCS = MechanismType(rawValue: 0x0040)
    public static let sha384RSAPKCS = MechanismType(rawValue: 0x0041)
    public static let sha512RSAPKCS = MechanismType(rawValue: 0x0042)
    public static let sha256RSAPKCSPSS = MechanismType(rawValue: 0x0043)
    public static let sha384RSAPKCSPSS = MechanismType(rawValue: 0x0044)
    public static let sha512RSAPKCSPSS = MechanismType(rawValue: 0x0045)

    // Post-quantum (PKCS#11 3.2)
    public static let mlKEMKeyPairGen = MechanismType(rawValue: 0x000F)
    public static let mlKEM = MechanismType(rawValue: 0x0017)
    public static let mlDSAKeyPairGen = MechanismType(rawValue: 0x001C)
    public static let mlDSA = MechanismType(rawValue: 0x001D)

    // Digests and HMAC
    public static let sha1 = MechanismType(rawValue: 0x0220)
    public static let sha256 = MechanismType(rawValue: 0x0250)
    public static let sha256HMAC = MechanismType(rawValue: 0x0251)
    public static let sha384 = MechanismType(rawValue: 0x0260)
    public static let sha384HMAC = MechanismType(rawValue: 0x0261)
    public static let sha512 = MechanismType(rawValue: 0x0270)
    public static let sha512HMAC = MechanismType(rawValue: 0x0271)
    public static let genericSecretKeyGen = MechanismType(rawValue: 0x0350)

    // Elliptic curves
    public static let ecKeyPairGen = MechanismType(rawValue: 0x1040)
    public static let ecdsa = MechanismType(rawValue: 0x1041)
    public static let ecdsaSHA256 = MechanismType(rawValue: 0x1044)
    public static let ecdsaSHA384 = MechanismType(rawValue: 0x1045)
    public static let ecdsaSHA512 = MechanismType(rawValue: 0x1046)
    public static let ecdh1Derive = MechanismType(rawValue: 0x1050)
    public static let ecEdwardsKeyPairGen = MechanismType(rawValue: 0x1055)
    public static let ecMontgomeryKeyPairGen = MechanismType(rawValue: 0x1056)
    public static let eddsa = MechanismType(rawValue: 0x1057)

    // AES
    public static let aesKeyGen = MechanismType(rawValue: 0x1080)
    public static let aesECB = MechanismType(rawValue: 0x1081)
    public static let aesCBC = MechanismType(rawValue: 0x1082)
    public static let aesCBCPad = MechanismType(rawValue: 0x1085)
    public static let aesCTR = MechanismType(rawValue: 0x1086)
    public static let aesGCM = MechanismType(rawValue: 0x1087)
    public static let aesCMAC = MechanismType(rawValue: 0x108A)
    public static let aesKeyWrap = MechanismType(rawValue: 0x2109)
    public static let aesKeyWrapKWP = MechanismType(rawValue: 0x210B)

    // Key derivation
    public static let hkdfDerive = MechanismType(rawValue: 0x402A)
    public static let hkdfData = MechanismType(rawValue: 0x402B)

    public var description: String { "CKM(0x" + String(rawValue, radix: 16, uppercase: true) + ")" }
}
