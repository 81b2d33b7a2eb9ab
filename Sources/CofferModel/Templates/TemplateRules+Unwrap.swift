// C_UnwrapKey: the template names the class and key type (footnote 5), the wrapped bytes supply the value.

extension TemplateRules {
    /// Checks a C_UnwrapKey template and returns the key to make.
    public static func unwrap(template: AttributeSet, by role: Role) throws(ModelError) -> UnwrapTarget {
        let objectClass = try requiredClass(template)
        guard objectClass == .secretKey || objectClass == .privateKey else {
            throw .templateInconsistent(.objectClass, "only secret and private keys can be unwrapped")
        }
        let keyType = try requiredKeyType(template, for: objectClass)
        try vet(template, objectClass: objectClass, keyType: keyType, purpose: .unwrap, role: role)
        var expected: Int?
        if let length = template.ulong(.valueLen) {
            guard let n = Int(exactly: length), secretKeyLengths(keyType).contains(n) else {
                throw .attributeValueInvalid(.valueLen, "\(length) is not a valid \(keyType) key length")
            }
            expected = n
        }
        let attributes = LibraryAttributes.imported(ObjectSchema.defaults(for: objectClass, keyType: keyType).merging(template))
        return UnwrapTarget(attributes: attributes, objectClass: objectClass, keyType: keyType, expectedValueLength: expected)
    }
}
