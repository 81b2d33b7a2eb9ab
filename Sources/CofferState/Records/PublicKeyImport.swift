// Parsing a public key that arrived as PKCS#11 attributes (C_CreateObject), for the index.

import CofferCrypto
import CofferModel

/// Public key material from a public key object's attributes.
enum PublicKeyImport {
    /// The key the attributes describe, or nil for a key type Coffer cannot use.
    static func material(for attributes: AttributeSet) throws -> KeyMaterial? {
        switch attributes.keyType {
        case .rsa?:
            guard let n = attributes.bytes(.modulus), let e = attributes.bytes(.publicExponent) else { return nil }
            return .publicKey(try RSAPublicKey(modulus: n, publicExponent: e))
        case .ec?:
            guard let params = attributes.bytes(.ecParams), let point = attributes.bytes(.ecPoint),
                let curve = try NamedCurve(ecParams: params).ecCurve
            else { return nil }
            return .publicKey(try ECPublicKey(curve: curve, encoded: point))
        case .ecEdwards?:
            guard let point = attributes.bytes(.ecPoint) else { return nil }
            // The curve is CKA_EC_PARAMS's; an object without it is Ed25519, the one Coffer had first.
            if let params = attributes.bytes(.ecParams), try NamedCurve(ecParams: params) == .ed448 {
                return .publicKey(try Ed448PublicKey(encoded: unwrapOctetString(point, length: 57)))
            }
            return .publicKey(try Ed25519PublicKey(encoded: unwrapOctetString(point)))
        case .ecMontgomery?:
            guard let point = attributes.bytes(.ecPoint) else { return nil }
            return .publicKey(try X25519PublicKey(encoded: unwrapOctetString(point)))
        case .mlDSA?:
            guard let raw = attributes.ulong(.parameterSet), let set = MLDSAParameterSet(rawValue: UInt(raw)),
                let value = attributes.bytes(.value)
            else { return nil }
            return .publicKey(try MLDSAPublicKey(parameterSet: set, encoded: value))
        case .mlKEM?:
            guard let raw = attributes.ulong(.parameterSet), let set = MLKEMParameterSet(rawValue: UInt(raw)),
                let value = attributes.bytes(.value)
            else { return nil }
            return .publicKey(try MLKEMPublicKey(parameterSet: set, encoded: value))
        default:
            return nil
        }
    }

    /// An Edwards or Montgomery point of `length` bytes (32, or 57 for Ed448), with or without its DER
    /// OCTET STRING wrapper.
    static func unwrapOctetString(_ bytes: [UInt8], length: Int = 32) -> [UInt8] {
        if bytes.count == length + 2, bytes[0] == 0x04, bytes[1] == UInt8(length) { return Array(bytes.dropFirst(2)) }
        return bytes
    }

    /// CKA_EC_POINT's form: the point in a DER OCTET STRING.
    static func octetString(_ point: [UInt8]) -> [UInt8] {
        if point.count < 128 { return [0x04, UInt8(point.count)] + point }
        return [0x04, 0x81, UInt8(point.count)] + point
    }
}
