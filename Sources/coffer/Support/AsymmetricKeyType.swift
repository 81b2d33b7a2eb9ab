// The key pair types `coffer key generate-asymmetric --type` offers: each one's generation
// mechanism, CKK_* type and the public template's domain attribute (size, curve or parameter set).

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

/// A key pair type on the command line.
enum AsymmetricKeyType: String, ExpressibleByArgument, CaseIterable {
    case rsa2048 = "rsa-2048", rsa3072 = "rsa-3072", rsa4096 = "rsa-4096"
    case ecP256 = "ec-p256", ecP384 = "ec-p384", ecP521 = "ec-p521", ed25519
    case mlDSA65 = "ml-dsa-65", mlDSA87 = "ml-dsa-87", mlKEM768 = "ml-kem-768", mlKEM1024 = "ml-kem-1024"

    /// The CKM_*_KEY_PAIR_GEN mechanism.
    var mechanism: UInt64 {
        switch self {
        case .rsa2048, .rsa3072, .rsa4096: MechanismNames.value(named: "rsa-pkcs-key-pair-gen")!
        case .ecP256, .ecP384, .ecP521: MechanismNames.value(named: "ec-key-pair-gen")!
        case .ed25519: MechanismNames.value(named: "ec-edwards-key-pair-gen")!
        case .mlDSA65, .mlDSA87: MechanismNames.value(named: "ml-dsa-key-pair-gen")!
        case .mlKEM768, .mlKEM1024: MechanismNames.value(named: "ml-kem-key-pair-gen")!
        }
    }

    /// The CKK_* value.
    var keyType: UInt64 {
        let name: String =
            switch self {
            case .rsa2048, .rsa3072, .rsa4096: "rsa"
            case .ecP256, .ecP384, .ecP521: "ec"
            case .ed25519: "ec-edwards"
            case .mlDSA65, .mlDSA87: "ml-dsa"
            case .mlKEM768, .mlKEM1024: "ml-kem"
            }
        return AttributeNames.keyTypes.first { $0.name == name }!.value
    }

    /// The public template's domain attribute.
    var domain: Coffer_V1_Attribute {
        let modulusBits = AttributeNames.entry(named: "modulus-bits")!.type
        let ecParams = AttributeNames.entry(named: "ec-params")!.type
        let parameterSet = AttributeNames.entry(named: "parameter-set")!.type
        switch self {
        case .rsa2048: return .ulong(modulusBits, 2048)
        case .rsa3072: return .ulong(modulusBits, 3072)
        case .rsa4096: return .ulong(modulusBits, 4096)
        // DER-encoded namedCurve OIDs (CKA_EC_PARAMS).
        case .ecP256: return .bytes(ecParams, Data([0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]))
        case .ecP384: return .bytes(ecParams, Data([0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]))
        case .ecP521: return .bytes(ecParams, Data([0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23]))
        case .ed25519: return .bytes(ecParams, Data([0x06, 0x03, 0x2B, 0x65, 0x70]))
        // CKP_ML_DSA_65 = 2, CKP_ML_DSA_87 = 3, CKP_ML_KEM_768 = 2, CKP_ML_KEM_1024 = 3 (PKCS#11 3.2).
        case .mlDSA65, .mlKEM768: return .ulong(parameterSet, 2)
        case .mlDSA87, .mlKEM1024: return .ulong(parameterSet, 3)
        }
    }
}
