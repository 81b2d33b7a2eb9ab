// C_CreateObject of a private key: the components in the template become a parsed key whose storage
// form (PKCS#8) is kept in the object record, like a generated key's. C_UnwrapKey of a private key:
// the PKCS#8 the unwrapping produced, parsed as the template's key type.

import CofferCrypto
import CofferModel

extension PrivateKeyImport {
    /// The key described by a private key object's public and secret attributes.
    static func key(attributes: AttributeSet, secrets: AttributeSet) throws(StateError) -> any PrivateKeyMaterial {
        func secret(_ type: AttributeType) throws(StateError) -> SecretBytes {
            guard var bytes = secrets.bytes(type) else { throw .model(.templateIncomplete(type)) }
            return SecretBytes(consuming: &bytes)
        }
        do {
            switch attributes.keyType {
            case .rsa?:
                guard let n = attributes.bytes(.modulus) else { throw StateError.model(.templateIncomplete(.modulus)) }
                guard let e = attributes.bytes(.publicExponent) else { throw StateError.model(.templateIncomplete(.publicExponent)) }
                return try rsa(
                    modulus: n, publicExponent: e, privateExponent: secret(.privateExponent),
                    prime1: secret(.prime1), prime2: secret(.prime2))
            case .ec?, .ecEdwards?, .ecMontgomery?:
                guard let params = attributes.bytes(.ecParams) else { throw StateError.model(.templateIncomplete(.ecParams)) }
                let curve = try NamedCurve(ecParams: params)
                switch curve.keyPairParameters {
                case .ec(let ecCurve): return try ec(curve: ecCurve, scalar: secret(.value))
                case .ed25519: return try ed25519(seed: secret(.value))
                case .ed448: return try Ed448PrivateKey(seed: secret(.value))
                case .x25519: return try x25519(scalar: secret(.value))
                default: throw StateError.model(.curveNotSupported("\(curve)"))
                }
            default:
                throw StateError.model(
                    .templateInconsistent(.keyType, "this key type is generated or unwrapped inside Coffer, not imported"))
            }
        } catch {
            throw StateError(error)
        }
    }
}

extension PrivateKeyImport {
    /// The algorithms a private key of `keyType` may be unwrapped as. ML-DSA and ML-KEM keys are
    /// generated inside Coffer (and Coffer does not wrap them either).
    static func unwrappableAlgorithms(_ keyType: KeyType) throws(StateError) -> [AsymmetricAlgorithm] {
        switch keyType {
        case .rsa: return [.rsa]
        case .ec: return ECCurve.allCases.map { .ec($0) }
        case .ecEdwards: return [.ed25519, .ed448]
        case .ecMontgomery: return [.x25519]
        default:
            throw .model(.templateInconsistent(.keyType, "Coffer unwraps RSA, EC, Ed25519, Ed448 and X25519 private keys"))
        }
    }

    /// Parses unwrapped PKCS#8 PrivateKeyInfo as a key of `keyType`. The curve of an EC key is the one the
    /// PKCS#8 names (the template gives no CKA_EC_PARAMS on unwrap, footnote 6).
    ///
    /// SoftHSM2 pads what it wraps with CKM_AES_KEY_WRAP_PAD to a multiple of 8 bytes with zeros before
    /// RFC 5649 adds its own padding, so up to 7 zero bytes after the DER are taken off; anything else
    /// after it is not a key.
    static func unwrapped(_ pkcs8: SecretBytes, keyType: KeyType) throws(StateError) -> any PrivateKeyMaterial {
        let algorithms = try unwrappableAlgorithms(keyType)
        for candidate in [pkcs8, withoutZeroPadding(pkcs8)].compactMap({ $0 }) {
            for algorithm in algorithms {
                if let key = try? KeyCodec.privateKey(algorithm: algorithm, serialized: candidate) { return key }
            }
        }
        throw .crypto(.wrappedKeyInvalid)
    }

    /// `der` without the 1 to 7 zero bytes that follow its outer SEQUENCE, or nil when it has no such
    /// padding (or does not start with a SEQUENCE of definite length).
    private static func withoutZeroPadding(_ der: SecretBytes) -> SecretBytes? {
        der.withUnsafeBytes { bytes -> SecretBytes? in
            guard bytes.count >= 2, bytes[0] == 0x30 else { return nil }
            var length = Int(bytes[1])
            var header = 2
            if length >= 0x80 {
                let lengthBytes = length & 0x7F
                guard (1...3).contains(lengthBytes), bytes.count >= 2 + lengthBytes else { return nil }
                length = 0
                for i in 0..<lengthBytes { length = length << 8 | Int(bytes[2 + i]) }
                header += lengthBytes
            }
            let end = header + length
            guard end < bytes.count, bytes.count - end < 8, bytes[end...].allSatisfy({ $0 == 0 }) else { return nil }
            return SecretBytes(bytes[..<end])
        }
    }

    /// CKA_EC_PARAMS (the curve's OID) for a key on a curve; nil for RSA and the post-quantum keys.
    static func ecParams(of algorithm: AsymmetricAlgorithm) -> [UInt8]? {
        switch algorithm {
        case .ec(.p256): NamedCurve.p256.derOID
        case .ec(.p384): NamedCurve.p384.derOID
        case .ec(.p521): NamedCurve.p521.derOID
        case .ed25519: NamedCurve.ed25519.derOID
        case .ed448: NamedCurve.ed448.derOID
        case .x25519: NamedCurve.x25519.derOID
        case .rsa, .mlDSA, .mlKEM: nil
        }
    }
}
