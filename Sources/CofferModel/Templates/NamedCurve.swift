// The curves CKA_EC_PARAMS may name, parsed from the DER ECParameters choice: a namedCurve OID,
// or (PKCS#11 v3.0 §2.3.3) a PrintableString curve name, which Edwards and Montgomery keys may use.

import CofferCrypto

/// A named curve Coffer supports.
public enum NamedCurve: Sendable, CaseIterable {
    case p256, p384, p521, ed25519, ed448, x25519

    /// The key type whose keys live on this curve.
    public var keyType: KeyType {
        switch self {
        case .p256, .p384, .p521: .ec
        case .ed25519, .ed448: .ecEdwards
        case .x25519: .ecMontgomery
        }
    }

    /// The crypto layer's curve, for CKK_EC curves.
    public var ecCurve: ECCurve? {
        switch self {
        case .p256: .p256
        case .p384: .p384
        case .p521: .p521
        case .ed25519, .ed448, .x25519: nil
        }
    }

    /// The key pair generation parameters for this curve.
    public var keyPairParameters: KeyPairParameters {
        switch self {
        case .p256: .ec(.p256)
        case .p384: .ec(.p384)
        case .p521: .ec(.p521)
        case .ed25519: .ed25519
        case .ed448: .ed448
        case .x25519: .x25519
        }
    }

    /// The DER encoding of the curve's OID, the canonical CKA_EC_PARAMS value.
    public var derOID: [UInt8] {
        switch self {
        case .p256: [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]  // 1.2.840.10045.3.1.7
        case .p384: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]  // 1.3.132.0.34
        case .p521: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23]  // 1.3.132.0.35
        case .ed25519: [0x06, 0x03, 0x2B, 0x65, 0x70]  // 1.3.101.112
        case .ed448: [0x06, 0x03, 0x2B, 0x65, 0x71]  // 1.3.101.113
        case .x25519: [0x06, 0x03, 0x2B, 0x65, 0x6E]  // 1.3.101.110
        }
    }

    private var printableNames: Set<String> {
        switch self {
        case .p256: ["prime256v1", "secp256r1", "P-256"]
        case .p384: ["secp384r1", "P-384"]
        case .p521: ["secp521r1", "P-521"]
        case .ed25519: ["edwards25519", "Ed25519"]
        case .ed448: ["edwards448", "Ed448"]
        case .x25519: ["curve25519", "X25519"]
        }
    }

    /// Parses CKA_EC_PARAMS. A well-formed but unknown curve (or explicit parameters) is
    /// `.curveNotSupported`; anything that is not one DER element is `.attributeValueInvalid`.
    public init(ecParams: [UInt8]) throws(ModelError) {
        guard ecParams.count >= 2, ecParams[1] < 0x80, Int(ecParams[1]) == ecParams.count - 2 else {
            // Long-form lengths never occur for OIDs or curve names this short.
            if let first = ecParams.first, first == 0x30 { throw .curveNotSupported("explicit curve parameters") }
            throw .attributeValueInvalid(.ecParams, "not a DER OID or curve name")
        }
        let body = Array(ecParams[2...])
        switch ecParams[0] {
        case 0x06:
            guard !body.isEmpty, let curve = Self.allCases.first(where: { $0.derOID == ecParams }) else {
                if body.isEmpty { throw .attributeValueInvalid(.ecParams, "empty OID") }
                throw .curveNotSupported("OID " + Hex.encode(body))
            }
            self = curve
        case 0x13:
            let name = String(decoding: body, as: UTF8.self)
            guard let curve = Self.allCases.first(where: { $0.printableNames.contains(name) }) else {
                throw .curveNotSupported("curve name is not supported")
            }
            self = curve
        case 0x30:
            throw .curveNotSupported("explicit curve parameters")
        case 0x05:
            throw .curveNotSupported("implicitlyCA parameters")
        default:
            throw .attributeValueInvalid(.ecParams, "not a DER OID or curve name")
        }
    }
}
