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
            try checkCertificateValues(template)
        case .data:
            break
        }
        try vet(template, objectClass: objectClass, keyType: keyType, purpose: .create, role: role)
        if let keyType { try checkKeyValues(template, objectClass: objectClass, keyType: keyType) }

        var attributes = ObjectSchema.defaults(for: objectClass, keyType: keyType).merging(template)
        if objectClass == .secretKey, let value = template.bytes(.value) {
            attributes[.valueLen] = .ulong(UInt64(value.count))
        }
        if objectClass == .certificate, template.bytes(.checkValue) == nil, let value = template.bytes(.value) {
            attributes[.checkValue] = .bytes(CheckValue.certificate(value))
        }
        if objectClass == .publicKey, keyType == .rsa, let modulus = template.bytes(.modulus) {
            attributes[.modulusBits] = .ulong(UInt64(bitLength(modulus)))
        }
        attributes = LibraryAttributes.imported(attributes)
        let isSecret = { (t: AttributeType) in ObjectSchema.isSecret(t, for: objectClass, keyType: keyType) }
        return NewObject(attributes: attributes.filtered { !isSecret($0) }, secretAttributes: attributes.filtered(isSecret))
    }

    /// The values PKCS#11 3.0 section 4.6 bounds for an X.509 certificate: CKA_CERTIFICATE_CATEGORY and
    /// CKA_JAVA_MIDP_SECURITY_DOMAIN 0 to 3, CKA_NAME_HASH_ALGORITHM a SHA-1 or SHA-2 digest, a
    /// CKA_CHECK_VALUE that matches CKA_VALUE. Coffer stores the certificate itself, so CKA_VALUE is
    /// required (a URL alone is not enough).
    static func checkCertificateValues(_ template: AttributeSet) throws(ModelError) {
        if let category = template.ulong(.certificateCategory), !(0...3).contains(category) {
            throw .attributeValueInvalid(.certificateCategory, "must be 0 (unspecified) to 3 (other entity)")
        }
        if let domain = template.ulong(.javaMIDPSecurityDomain), !(0...3).contains(domain) {
            throw .attributeValueInvalid(.javaMIDPSecurityDomain, "must be 0 to 3")
        }
        // CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512.
        if let hash = template.ulong(.nameHashAlgorithm), ![0x220, 0x255, 0x250, 0x260, 0x270].contains(hash) {
            throw .attributeValueInvalid(.nameHashAlgorithm, "must be CKM_SHA_1 or a SHA-2 digest mechanism")
        }
        if let value = template.bytes(.value), value.isEmpty { throw .attributeValueInvalid(.value, "the certificate is empty") }
        if let check = template.bytes(.checkValue), let value = template.bytes(.value), check != CheckValue.certificate(value) {
            throw .attributeValueInvalid(.checkValue, "does not match CKA_VALUE (the first 3 bytes of its SHA-1)")
        }
    }

    /// The bit length of a big-endian unsigned integer.
    static func bitLength(_ bytes: [UInt8]) -> Int {
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (bytes.count - first - 1) * 8 + (8 - bytes[first].leadingZeroBitCount)
    }
}
