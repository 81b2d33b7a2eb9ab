// C_GenerateKey and C_GenerateKeyPair: the mechanism fixes class and key type, the template sizes
// the key, and the library contributes the key values.

import CofferCrypto

extension TemplateRules {
    /// The RSA moduli a template may ask for: whole bytes from 1024 to 4096 bits. The node's RSA size
    /// policy (its mechanisms, 2048 bits at the least by default) decides which of them it makes.
    public static let rsaModulusBits: ClosedRange<UInt64> = 1024...4096
    /// The only RSA public exponent Coffer generates with (F4), as big-endian bytes.
    public static let rsaPublicExponent: [UInt8] = [0x01, 0x00, 0x01]

    /// Checks a C_GenerateKey template for `mechanism` and returns the key to make.
    public static func generateKey(mechanism: MechanismType, template: AttributeSet, by role: Role) throws(ModelError) -> SecretKeyGeneration {
        guard case .secretKey(let defaultType)? = KeyGenerationKind(mechanism: mechanism) else {
            throw .mechanismInvalid(mechanism, "not a secret key generation mechanism")
        }
        try expectClass(template, .secretKey)
        // A generic secret generator may also make the typed HMAC keys.
        let allowed: Set<KeyType> = defaultType == .genericSecret ? [.genericSecret, .sha256HMAC, .sha384HMAC, .sha512HMAC] : [defaultType]
        try expectKeyType(template, allowed)
        let keyType = template.keyType ?? defaultType
        try vet(template, objectClass: .secretKey, keyType: keyType, purpose: .generate, role: role)

        guard let length = template.ulong(.valueLen) else { throw .templateIncomplete(.valueLen) }
        guard let byteCount = Int(exactly: length), secretKeyLengths(keyType).contains(byteCount) else {
            throw .keySizeRange("CKA_VALUE_LEN \(length) is not a valid \(keyType) key length")
        }
        let attributes = LibraryAttributes.generated(
            ObjectSchema.defaults(for: .secretKey, keyType: keyType).merging(template), by: mechanism)
        return SecretKeyGeneration(attributes: attributes, keyType: keyType, byteCount: byteCount, mechanism: mechanism)
    }

    /// Checks C_GenerateKeyPair's two templates for `mechanism` and returns the pair to make.
    public static func generateKeyPair(
        mechanism: MechanismType, publicTemplate: AttributeSet, privateTemplate: AttributeSet, by role: Role
    ) throws(ModelError) -> KeyPairGeneration {
        guard case .keyPair(let keyType)? = KeyGenerationKind(mechanism: mechanism) else {
            throw .mechanismInvalid(mechanism, "not a key pair generation mechanism")
        }
        try expectClass(publicTemplate, .publicKey)
        try expectClass(privateTemplate, .privateKey)
        try expectKeyType(publicTemplate, [keyType])
        try expectKeyType(privateTemplate, [keyType])

        // The domain attribute (curve or parameter set) belongs on the public template (footnote 3); on the
        // private one it is a footnote-4 attribute, tolerated only when it repeats the public value.
        let domain: AttributeType? = switch keyType {
        case .ec, .ecEdwards, .ecMontgomery: .ecParams
        case .mlDSA, .mlKEM: .parameterSet
        default: nil
        }
        var privateRest = privateTemplate
        if let domain, let given = privateTemplate[domain] {
            guard publicTemplate[domain] == nil || publicTemplate[domain] == given else {
                throw .templateInconsistent(domain, "public and private templates differ")
            }
            privateRest[domain] = nil
        }
        var publicSide = publicTemplate
        if let domain, publicSide[domain] == nil, let given = privateTemplate[domain] { publicSide[domain] = given }

        try vet(publicSide, objectClass: .publicKey, keyType: keyType, purpose: .generate, role: role)
        try vet(privateRest, objectClass: .privateKey, keyType: keyType, purpose: .generate, role: role)
        let parameters = try keyPairParameters(publicSide, keyType: keyType)

        var publicAttributes = ObjectSchema.defaults(for: .publicKey, keyType: keyType).merging(publicSide)
        var privateAttributes = ObjectSchema.defaults(for: .privateKey, keyType: keyType).merging(privateRest)
        if let domain, let value = publicSide[domain] { privateAttributes[domain] = value }
        if keyType == .rsa {
            publicAttributes[.publicExponent] = .bytes(rsaPublicExponent)
            privateAttributes[.publicExponent] = .bytes(rsaPublicExponent)
        }
        return KeyPairGeneration(
            publicAttributes: LibraryAttributes.generated(publicAttributes, by: mechanism),
            privateAttributes: LibraryAttributes.generated(privateAttributes, by: mechanism),
            keyType: keyType, parameters: parameters, mechanism: mechanism)
    }

    private static func keyPairParameters(_ publicSide: AttributeSet, keyType: KeyType) throws(ModelError) -> KeyPairParameters {
        switch keyType {
        case .rsa:
            guard let bits = publicSide.ulong(.modulusBits) else { throw .templateIncomplete(.modulusBits) }
            guard rsaModulusBits.contains(bits), bits % 8 == 0 else { throw .keySizeRange("RSA modulus of \(bits) bits") }
            if let exponent = publicSide.bytes(.publicExponent), Array(exponent.drop(while: { $0 == 0 })) != rsaPublicExponent {
                throw .attributeValueInvalid(.publicExponent, "only 65537 is supported")
            }
            return .rsa(bits: Int(bits), publicExponent: rsaPublicExponent)
        case .ec, .ecEdwards, .ecMontgomery:
            guard let params = publicSide.bytes(.ecParams) else { throw .templateIncomplete(.ecParams) }
            let curve = try NamedCurve(ecParams: params)
            guard curve.keyType == keyType else { throw .curveNotSupported("curve does not fit \(keyType)") }
            return curve.keyPairParameters
        case .mlDSA, .mlKEM:
            guard let set = publicSide.ulong(.parameterSet) else { throw .templateIncomplete(.parameterSet) }
            return try parameterSet(set, keyType: keyType)
        case .genericSecret, .aes, .sha256HMAC, .sha384HMAC, .sha512HMAC:
            throw .templateInconsistent(.keyType, "\(keyType) is not a key pair type")
        }
    }
}
