// C_CreateObject of a private key: the components in the template become a parsed key whose storage
// form (PKCS#8) is kept in the object record, like a generated key's.

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
