// Template checks for the functions that make or change objects. Each one follows the order of
// PKCS#11 v3.0 §4.1.1 ("Creating objects"): unknown type, bad value, read-only, incomplete, inconsistent.

import CofferCrypto

/// The checks a caller's template passes before an object is made or changed.
public enum TemplateRules {
    /// The object-making function a template is checked for.
    enum Purpose {
        case create, generate, unwrap

        var forbidden: AttributeRule {
            switch self {
            case .create: .forbiddenOnCreate
            case .generate: .forbiddenOnGenerate
            case .unwrap: .forbiddenOnUnwrap
            }
        }

        var required: AttributeRule {
            switch self {
            case .create: .requiredOnCreate
            case .generate: .requiredOnGenerate
            case .unwrap: .requiredOnUnwrap
            }
        }

        var name: String {
            switch self {
            case .create: "C_CreateObject"
            case .generate: "key generation"
            case .unwrap: "C_UnwrapKey"
            }
        }
    }

    /// Checks every attribute of `template` against the schema of a new object, then the required ones.
    static func vet(_ template: AttributeSet, objectClass: ObjectClass, keyType: KeyType?, purpose: Purpose, role: Role) throws(ModelError) {
        let rules = ObjectSchema.rules(for: objectClass, keyType: keyType)
        for (type, value) in template {
            guard let rule = rules[type] else {
                throw .templateInconsistent(type, "not an attribute of \(objectClass)" + (keyType.map { " \($0)" } ?? ""))
            }
            if rule.contains(.libraryMaintained) {
                throw .attributeReadOnly(type, "maintained by the library")
            }
            // Footnote 10: only the SO may make an object trusted.
            if rule.contains(.adminSetsTrue), value == .bool(true), role != .admin {
                throw .attributeReadOnly(type, "only an admin may set it to true")
            }
            // Footnotes 2, 4 and 6: the function itself contributes these values.
            if rule.contains(purpose.forbidden) {
                throw .templateInconsistent(type, "must not be given to \(purpose.name)")
            }
        }
        for (type, rule) in rules.sorted(by: { $0.key < $1.key }) where rule.contains(purpose.required) && !template.contains(type) {
            throw .templateIncomplete(type)
        }
    }

    /// Checks a template's CKA_CLASS, if present, against the class the function makes.
    static func expectClass(_ template: AttributeSet, _ objectClass: ObjectClass) throws(ModelError) {
        guard let raw = template.ulong(.objectClass) else { return }
        guard raw == objectClass.rawValue else {
            throw .templateInconsistent(.objectClass, "the function makes \(objectClass)")
        }
    }

    /// Checks a template's CKA_KEY_TYPE, if present, against the allowed ones.
    static func expectKeyType(_ template: AttributeSet, _ allowed: Set<KeyType>) throws(ModelError) {
        guard let raw = template.ulong(.keyType) else { return }
        guard let keyType = KeyType(rawValue: raw), allowed.contains(keyType) else {
            throw .templateInconsistent(.keyType, "does not fit the mechanism")
        }
    }

    /// Reads CKA_CLASS (required) from a template.
    static func requiredClass(_ template: AttributeSet) throws(ModelError) -> ObjectClass {
        guard let raw = template.ulong(.objectClass) else { throw .templateIncomplete(.objectClass) }
        guard let objectClass = ObjectClass(rawValue: raw) else {
            throw .attributeValueInvalid(.objectClass, "unsupported object class")
        }
        return objectClass
    }

    /// Reads CKA_KEY_TYPE (required for keys) from a template and checks it fits the class.
    static func requiredKeyType(_ template: AttributeSet, for objectClass: ObjectClass) throws(ModelError) -> KeyType {
        guard let raw = template.ulong(.keyType) else { throw .templateIncomplete(.keyType) }
        guard let keyType = KeyType(rawValue: raw) else { throw .attributeValueInvalid(.keyType, "unsupported key type") }
        guard keyType.isSecret == (objectClass == .secretKey) else {
            throw .templateInconsistent(.keyType, "\(keyType) is not a key type of \(objectClass)")
        }
        return keyType
    }

    /// Checks the values that only make sense together with the key type: curve, parameter set, key length.
    static func checkKeyValues(_ template: AttributeSet, objectClass: ObjectClass, keyType: KeyType) throws(ModelError) {
        if let params = template.bytes(.ecParams) {
            let curve = try NamedCurve(ecParams: params)
            guard curve.keyType == keyType else {
                throw .templateInconsistent(.ecParams, "curve does not fit \(keyType)")
            }
        }
        if let set = template.ulong(.parameterSet) {
            _ = try parameterSet(set, keyType: keyType)
        }
        if objectClass == .secretKey, let value = template.bytes(.value) {
            guard secretKeyLengths(keyType).contains(value.count) else {
                throw .attributeValueInvalid(.value, "\(value.count) bytes is not a valid \(keyType) key length")
            }
        }
    }

    /// Byte lengths a secret key of this type may have.
    public static func secretKeyLengths(_ keyType: KeyType) -> Set<Int> {
        keyType == .aes ? [16, 24, 32] : Set(1...512)
    }

    /// The crypto layer's parameters for a CKA_PARAMETER_SET value.
    static func parameterSet(_ raw: UInt64, keyType: KeyType) throws(ModelError) -> KeyPairParameters {
        switch keyType {
        case .mlDSA:
            guard let set = UInt(exactly: raw).flatMap(MLDSAParameterSet.init(rawValue:)) else {
                throw .attributeValueInvalid(.parameterSet, "supported: CKP_ML_DSA_65, CKP_ML_DSA_87")
            }
            return .mlDSA(set)
        case .mlKEM:
            guard let set = UInt(exactly: raw).flatMap(MLKEMParameterSet.init(rawValue:)) else {
                throw .attributeValueInvalid(.parameterSet, "supported: CKP_ML_KEM_768, CKP_ML_KEM_1024")
            }
            return .mlKEM(set)
        default:
            throw .templateInconsistent(.parameterSet, "not an attribute of \(keyType)")
        }
    }
}
