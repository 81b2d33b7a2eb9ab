// Friendly mechanism names for the CLI ("aes-gcm", "sha256-rsa-pkcs") and their CKM_* values. The
// one table; the values are the PKCS#11 specification's (3.2 for ML-DSA and ML-KEM).

import Foundation

/// Mechanism names and values.
public enum MechanismNames {
    /// (name, CKM value), in display order.
    public static let table: [(name: String, value: UInt64)] = [
        // Key generation
        ("rsa-pkcs-key-pair-gen", 0x0000), ("ec-key-pair-gen", 0x1040), ("ec-edwards-key-pair-gen", 0x1055),
        ("ec-montgomery-key-pair-gen", 0x1056), ("ml-dsa-key-pair-gen", 0x001C), ("ml-kem-key-pair-gen", 0x000F),
        ("aes-key-gen", 0x1080), ("generic-secret-key-gen", 0x0350),
        // RSA
        ("rsa-pkcs", 0x0001), ("rsa-pkcs-oaep", 0x0009), ("rsa-pkcs-pss", 0x000D),
        ("sha256-rsa-pkcs", 0x0040), ("sha384-rsa-pkcs", 0x0041), ("sha512-rsa-pkcs", 0x0042),
        ("sha256-rsa-pkcs-pss", 0x0043), ("sha384-rsa-pkcs-pss", 0x0044), ("sha512-rsa-pkcs-pss", 0x0045),
        // EC
        ("ecdsa", 0x1041), ("ecdsa-sha256", 0x1044), ("ecdsa-sha384", 0x1045), ("ecdsa-sha512", 0x1046),
        ("ecdh1-derive", 0x1050), ("eddsa", 0x1057),
        // Post-quantum
        ("ml-dsa", 0x001D), ("ml-kem", 0x0017),
        // Digests and HMAC
        ("sha1", 0x0220), ("sha256", 0x0250), ("sha384", 0x0260), ("sha512", 0x0270),
        ("sha256-hmac", 0x0251), ("sha384-hmac", 0x0261), ("sha512-hmac", 0x0271),
        // AES
        ("aes-ecb", 0x1081), ("aes-cbc", 0x1082), ("aes-cbc-pad", 0x1085), ("aes-ctr", 0x1086),
        ("aes-gcm", 0x1087), ("aes-cmac", 0x108A), ("aes-kw", 0x2109), ("aes-kwp", 0x210B),
        // Key derivation
        ("hkdf-derive", 0x402A), ("hkdf-data", 0x402B),
    ]

    private static let byName: [String: UInt64] = Dictionary(uniqueKeysWithValues: table.map { ($0.name, $0.value) })
    private static let byValue: [UInt64: String] = Dictionary(uniqueKeysWithValues: table.map { ($0.value, $0.name) })

    /// The CKM value of a friendly name ("aes-gcm"), a CKM_ name ("CKM_AES_GCM") or a number ("0x1087").
    public static func value(named name: String) -> UInt64? {
        let lowered = name.lowercased()
        if let value = byName[lowered] { return value }
        if lowered.hasPrefix("ckm_") {
            return byName[String(lowered.dropFirst(4)).replacingOccurrences(of: "_", with: "-")]
        }
        if lowered.hasPrefix("0x") { return UInt64(lowered.dropFirst(2), radix: 16) }
        return UInt64(lowered)
    }

    /// The friendly name of a CKM value, or its hex form.
    public static func name(of value: UInt64) -> String {
        byValue[value] ?? "0x" + String(value, radix: 16, uppercase: true)
    }
}
