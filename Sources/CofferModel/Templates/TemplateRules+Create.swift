// C_CreateObject: the caller supplies every value, including (for keys) the key material.

import CofferCrypto

extension TemplateRules {
    /// Checks a C_CreateObject template and builds the object: defaults, library attributes, and derived
    /// values (CKA_VALUE_LEN, CKA_MODULUS_BITS) filled in, secret components split off.
    public static func create(_ template: AttributeSet, by role: Role) throws(ModelError) -> NewObject {
        let objectClass = try requiredClass(template)
        var keyType: KeyType?
        switch objectClass {
        case .publicKey, .privateKey, .secretKey:
            keyType = try requiredKeyType(template, for: objectClass)
        case .certificate:
            guard let type = template.ulong(.certificateType) else { throw .templateIncomplete(.certificateType) }
            // CKC_X_509 is the only certificate type Coffer stores.
            guard type == 0 else { throw .attributeValueInvalid(.certificateType, "only CKC_X_509 is supported") }
        case .data:
            break
        }
        try vet(template, objectClass: objectClass, keyType: keyType, purpose: .create, role: role)
        if let keyType { try checkKeyValues(template, objectClass: objectClass, keyType: keyType) }

        var attributes = ObjectSchema.defaults(for: objectClass, keyType: keyType).merging(template)
        if objectClass == .secretKey, let value = template.bytes(.value) {
            attributes[.valueLen] = .ulong(UInt64(value.count))
        }
        if objectClass == .publicKey, keyType == .rsa, let modulus = template.bytes(.modulus) {
            attributes[.modulusBits] = .ulong(UInt64(bitLength(modulus)))
        }
        attributes = LibraryAttributes.imported(attributes)
        let isSecret = { (t: AttributeType) in ObjectSchema.isSecret(t, for: objectClass, keyType: keyType) }
        return NewObject(attributes: attributes.filtered { !isSecret($0) }, secretAttributes: attributes.filtered(isSecret))
    }

    /// The bit length of a big-endian unsigned integer.
    static func bitLength(_ bytes: [UInt8]) -> Int {
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (bytes.count - first - 1) * 8 + (8 - bytes[first].leadingZeroBitCount)
    }
}
