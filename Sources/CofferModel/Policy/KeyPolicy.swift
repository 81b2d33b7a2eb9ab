// The PKCS#11 key policy as pure checks over attribute sets: may this key do this, may it be
// wrapped and by which key, may this attribute be read, may this object be destroyed.

import CofferCrypto

/// Policy checks on keys and objects.
public enum KeyPolicy {
    /// Checks that `key` may perform `operation` with `mechanism`.
    ///
    /// In order: not a key (CKR_KEY_HANDLE_INVALID); mechanism unknown or not for this operation
    /// (CKR_MECHANISM_INVALID); key type does not fit (CKR_KEY_TYPE_INCONSISTENT); mechanism outside
    /// CKA_ALLOWED_MECHANISMS (CKR_MECHANISM_INVALID); usage attribute not true (CKR_KEY_FUNCTION_NOT_PERMITTED).
    /// May C_DigestKey digest this key's value (PKCS#11 3.0 section 5.12)? Only a secret key, and
    /// only one with CKA_EXTRACTABLE true: a digest of the value must not become a way to learn
    /// about a key that policy keeps inside (CKR_KEY_INDIGESTIBLE otherwise).
    public static func checkDigest(_ key: AttributeSet) throws(ModelError) {
        guard key.objectClass?.isKey == true else { throw .notAKey }
        guard key.objectClass == .secretKey else { throw .keyIndigestible("only secret keys can be digested") }
        guard key.bool(.extractable) == true else { throw .keyIndigestible("the key has CKA_EXTRACTABLE false") }
    }

    public static func checkUse(_ key: AttributeSet, for operation: KeyOperation, mechanism: MechanismType) throws(ModelError) {
        guard key.objectClass?.isKey == true, let keyType = key.keyType else { throw .notAKey }
        guard let use = mechanism.keyUse, use.operations.contains(operation) else {
            throw .mechanismInvalid(mechanism, "does not support \(operation)")
        }
        guard use.keyTypes.contains(keyType) else { throw .keyTypeInconsistent(mechanism, keyType) }
        if let allowed = key.allowedMechanisms, !allowed.contains(mechanism) {
            throw .mechanismInvalid(mechanism, "not in the key's CKA_ALLOWED_MECHANISMS")
        }
        // An absent usage attribute means the key's class does not have the function at all.
        guard key.bool(operation.usageAttribute) == true else { throw .keyFunctionNotPermitted(operation.usageAttribute) }
    }

    /// Checks C_WrapKey: the wrapping key must allow wrapping with `mechanism`, and the key to wrap must be
    /// extractable, and wrapped only by a trusted key if it has CKA_WRAP_WITH_TRUSTED.
    public static func checkWrap(wrappingKey: AttributeSet, keyToWrap: AttributeSet, mechanism: MechanismType) throws(ModelError) {
        do {
            try checkUse(wrappingKey, for: .wrap, mechanism: mechanism)
        } catch .keyTypeInconsistent(let m, let k) {
            throw .wrappingKeyTypeInconsistent(m, k)
        }
        guard let wrappedClass = keyToWrap.objectClass, wrappedClass == .secretKey || wrappedClass == .privateKey else {
            throw .notAKey
        }
        guard keyToWrap.bool(.extractable) == true else { throw .keyUnextractable }
        if keyToWrap.bool(.wrapWithTrusted) == true, wrappingKey.bool(.trusted) != true {
            throw .keyNotWrappable
        }
    }

    /// Checks C_UnwrapKey's unwrapping key.
    public static func checkUnwrap(unwrappingKey: AttributeSet, mechanism: MechanismType) throws(ModelError) {
        do {
            try checkUse(unwrappingKey, for: .unwrap, mechanism: mechanism)
        } catch .keyTypeInconsistent(let m, let k) {
            throw .unwrappingKeyTypeInconsistent(m, k)
        }
    }

    /// Checks C_DestroyObject against CKA_DESTROYABLE.
    public static func checkDestroy(_ object: AttributeSet) throws(ModelError) {
        guard object.bool(.destroyable) ?? true else { throw .actionProhibited("object has CKA_DESTROYABLE false") }
    }

    /// What C_GetAttributeValue may report for `type` of `object`.
    ///
    /// An attribute the object does not have is CKR_ATTRIBUTE_TYPE_INVALID. A secret component of a sensitive or
    /// unextractable key is CKR_ATTRIBUTE_SENSITIVE, and the caller reports its length as
    /// CK_UNAVAILABLE_INFORMATION (v3.0 §5.7.3 C_GetAttributeValue, footnote 7).
    public static func reveal(_ type: AttributeType, of object: StoredObject) throws(ModelError) -> AttributeReveal {
        guard let rule = ObjectSchema.rule(type, for: object.objectClass, keyType: object.keyType) else {
            throw .attributeTypeInvalid(type)
        }
        if rule.contains(.secret) {
            let sensitive = object.attributes.bool(.sensitive) ?? true
            let extractable = object.attributes.bool(.extractable) ?? false
            guard !sensitive, extractable else { throw .attributeSensitive(type) }
            return .sealed
        }
        guard let value = object.attributes[type] else { throw .attributeTypeInvalid(type) }
        return .value(value)
    }
}
