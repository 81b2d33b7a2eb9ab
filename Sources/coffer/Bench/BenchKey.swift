// The token keys the benchmark signs and encrypts with: one per algorithm, found by label so that
// reruns reuse them, generated when missing (or always with --fresh-keys).

import CPKCS11

/// A token key (or key pair) the bench needs, named `coffer-bench-<name>`.
enum BenchKey: String, CaseIterable, Sendable {
    case rsa2048, rsa3072, p256, ed25519, mldsa65, aes256

    /// The CKA_LABEL of the key (both halves of a pair carry it).
    var label: String { "coffer-bench-" + rawValue }

    /// The key generation mechanism.
    var generation: CK_MECHANISM_TYPE {
        switch self {
        case .rsa2048, .rsa3072: CK_MECHANISM_TYPE(CKM_RSA_PKCS_KEY_PAIR_GEN)
        case .p256: CK_MECHANISM_TYPE(CKM_EC_KEY_PAIR_GEN)
        case .ed25519: CK_MECHANISM_TYPE(CKM_EC_EDWARDS_KEY_PAIR_GEN)
        case .mldsa65: BenchMechanism.mlDSAKeyPairGen
        case .aes256: CK_MECHANISM_TYPE(CKM_AES_KEY_GEN)
        }
    }

    /// Whether this is a key pair (else a secret key).
    var isPair: Bool { self != .aes256 }

    /// The public-key template (or the secret-key template for AES).
    func publicTemplate() -> AttributeTemplate {
        let common: [AttributeTemplate.Entry] = [
            .bool(CK_ATTRIBUTE_TYPE(CKA_TOKEN), true), .string(CK_ATTRIBUTE_TYPE(CKA_LABEL), label),
            .string(CK_ATTRIBUTE_TYPE(CKA_ID), label),
        ]
        switch self {
        case .rsa2048, .rsa3072:
            return AttributeTemplate(
                common + [
                    .bool(CK_ATTRIBUTE_TYPE(CKA_VERIFY), true),
                    .ulong(CK_ATTRIBUTE_TYPE(CKA_MODULUS_BITS), self == .rsa2048 ? 2048 : 3072),
                    .bytes(CK_ATTRIBUTE_TYPE(CKA_PUBLIC_EXPONENT), [0x01, 0x00, 0x01]),
                ])
        case .p256:
            // DER OID 1.2.840.10045.3.1.7 (prime256v1).
            return AttributeTemplate(
                common + [
                    .bool(CK_ATTRIBUTE_TYPE(CKA_VERIFY), true),
                    .bytes(CK_ATTRIBUTE_TYPE(CKA_EC_PARAMS), [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]),
                ])
        case .ed25519:
            // DER OID 1.3.101.112 (id-Ed25519), which both Coffer and SoftHSM2 2.6 accept.
            return AttributeTemplate(
                common + [
                    .bool(CK_ATTRIBUTE_TYPE(CKA_VERIFY), true),
                    .bytes(CK_ATTRIBUTE_TYPE(CKA_EC_PARAMS), [0x06, 0x03, 0x2B, 0x65, 0x70]),
                ])
        case .mldsa65:
            return AttributeTemplate(
                common + [
                    .bool(CK_ATTRIBUTE_TYPE(CKA_VERIFY), true),
                    .ulong(BenchMechanism.parameterSetAttribute, BenchMechanism.mlDSA65ParameterSet),
                ])
        case .aes256:
            return AttributeTemplate(
                common + [
                    .bool(CK_ATTRIBUTE_TYPE(CKA_PRIVATE), true), .bool(CK_ATTRIBUTE_TYPE(CKA_SENSITIVE), true),
                    .bool(CK_ATTRIBUTE_TYPE(CKA_ENCRYPT), true), .bool(CK_ATTRIBUTE_TYPE(CKA_DECRYPT), true),
                    .ulong(CK_ATTRIBUTE_TYPE(CKA_VALUE_LEN), 32),
                ])
        }
    }

    /// The private-key template of a pair.
    func privateTemplate() -> AttributeTemplate {
        AttributeTemplate([
            .bool(CK_ATTRIBUTE_TYPE(CKA_TOKEN), true), .string(CK_ATTRIBUTE_TYPE(CKA_LABEL), label),
            .string(CK_ATTRIBUTE_TYPE(CKA_ID), label), .bool(CK_ATTRIBUTE_TYPE(CKA_PRIVATE), true),
            .bool(CK_ATTRIBUTE_TYPE(CKA_SENSITIVE), true), .bool(CK_ATTRIBUTE_TYPE(CKA_SIGN), true),
        ])
    }

    /// The template that finds this key's objects of `objectClass` by label.
    func search(_ objectClass: CK_OBJECT_CLASS) -> AttributeTemplate {
        AttributeTemplate([.ulong(CK_ATTRIBUTE_TYPE(CKA_CLASS), objectClass), .string(CK_ATTRIBUTE_TYPE(CKA_LABEL), label)])
    }
}
