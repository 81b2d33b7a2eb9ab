// Which attributes each object class and key type has, and the rules for each, after the
// attribute tables of PKCS#11 v3.0 §4 and the mechanism sections of v3.2 for ML-DSA/ML-KEM.

/// The attribute tables of PKCS#11, per object class and key type.
public enum ObjectSchema {
    /// The attributes an object of this class (and key type, for keys) may carry, with their rules.
    public static func rules(for objectClass: ObjectClass, keyType: KeyType?) -> [AttributeType: AttributeRule] {
        var table = common
        switch objectClass {
        case .data: table.merge(data) { $1 }
        case .certificate: table.merge(certificate) { $1 }
        case .publicKey, .privateKey, .secretKey:
            table.merge(commonKey) { $1 }
            table.merge(classTable(objectClass)) { $1 }
            if let keyType { table.merge(keyTypeTable(objectClass, keyType)) { $1 } }
        }
        return table
    }

    /// The rule for one attribute, or nil when the object kind does not have the attribute.
    public static func rule(_ type: AttributeType, for objectClass: ObjectClass, keyType: KeyType?) -> AttributeRule? {
        rules(for: objectClass, keyType: keyType)[type]
    }

    /// Whether `type` holds secret material for this kind of object (footnote 7).
    public static func isSecret(_ type: AttributeType, for objectClass: ObjectClass, keyType: KeyType?) -> Bool {
        rule(type, for: objectClass, keyType: keyType)?.contains(.secret) ?? false
    }

    private static let common: [AttributeType: AttributeRule] = [
        .objectClass: [.requiredOnCreate, .requiredOnUnwrap],
        .token: [.copyModifiable],
        .private: [.copyModifiable],
        .modifiable: [.copyModifiable, .onlyToFalse],
        .copyable: [.copyModifiable, .onlyToFalse],
        .destroyable: [.copyModifiable],
        .label: [.modifiable],
    ]

    private static let data: [AttributeType: AttributeRule] = [
        .application: [.modifiable], .objectID: [.modifiable], .value: [.modifiable],
    ]

    // X.509 public-key certificates (CKC_X_509) only.
    private static let certificate: [AttributeType: AttributeRule] = [
        .certificateType: [.requiredOnCreate], .trusted: [.modifiable, .adminSetsTrue],
        .certificateCategory: [], .checkValue: [], .startDate: [.modifiable], .endDate: [.modifiable],
        .publicKeyInfo: [], .subject: [.requiredOnCreate], .id: [.modifiable], .issuer: [.modifiable],
        .serialNumber: [.modifiable], .value: [.requiredOnCreate], .url: [], .hashOfSubjectPublicKey: [],
        .hashOfIssuerPublicKey: [], .javaMIDPSecurityDomain: [], .nameHashAlgorithm: [],
    ]

    private static let library: AttributeRule = [.libraryMaintained, .forbiddenOnCreate, .forbiddenOnGenerate, .forbiddenOnUnwrap]

    private static let commonKey: [AttributeType: AttributeRule] = [
        .keyType: [.requiredOnCreate, .requiredOnUnwrap], .id: [.modifiable], .startDate: [.modifiable],
        .endDate: [.modifiable], .derive: [.modifiable], .local: library, .keyGenMechanism: library,
        .allowedMechanisms: [],
    ]

    private static func classTable(_ objectClass: ObjectClass) -> [AttributeType: AttributeRule] {
        switch objectClass {
        case .publicKey:
            [
                .subject: [.modifiable], .encrypt: [.modifiable], .verify: [.modifiable],
                .verifyRecover: [.modifiable], .wrap: [.modifiable], .trusted: [.modifiable, .adminSetsTrue],
                .publicKeyInfo: [], .encapsulate: [.modifiable],
            ]
        case .privateKey:
            [
                .subject: [.modifiable], .sensitive: [.modifiable, .onlyToTrue], .decrypt: [.modifiable],
                .sign: [.modifiable], .signRecover: [.modifiable], .unwrap: [.modifiable],
                .extractable: [.modifiable, .onlyToFalse], .alwaysSensitive: library, .neverExtractable: library,
                .wrapWithTrusted: [.modifiable, .onlyToTrue], .alwaysAuthenticate: [], .publicKeyInfo: [],
                .decapsulate: [.modifiable],
            ]
        case .secretKey:
            [
                .sensitive: [.modifiable, .onlyToTrue], .encrypt: [.modifiable], .decrypt: [.modifiable],
                .sign: [.modifiable], .verify: [.modifiable], .wrap: [.modifiable], .unwrap: [.modifiable],
                .extractable: [.modifiable, .onlyToFalse], .alwaysSensitive: library, .neverExtractable: library,
                .checkValue: [], .wrapWithTrusted: [.modifiable, .onlyToTrue], .trusted: [.modifiable, .adminSetsTrue],
            ]
        case .data, .certificate:
            [:]
        }
    }

    private static let privateMaterial: AttributeRule = [.forbiddenOnGenerate, .forbiddenOnUnwrap, .secret]

    private static func keyTypeTable(_ objectClass: ObjectClass, _ keyType: KeyType) -> [AttributeType: AttributeRule] {
        switch (objectClass, keyType) {
        case (.publicKey, .rsa):
            [
                .modulus: [.requiredOnCreate, .forbiddenOnGenerate], .modulusBits: [.forbiddenOnCreate, .requiredOnGenerate],
                .publicExponent: [.requiredOnCreate],
            ]
        case (.privateKey, .rsa):
            [
                .modulus: [.requiredOnCreate, .forbiddenOnGenerate, .forbiddenOnUnwrap],
                .publicExponent: [.forbiddenOnGenerate, .forbiddenOnUnwrap],
                .privateExponent: privateMaterial.union(.requiredOnCreate), .prime1: privateMaterial,
                .prime2: privateMaterial, .exponent1: privateMaterial, .exponent2: privateMaterial,
                .coefficient: privateMaterial,
            ]
        case (.publicKey, .ec), (.publicKey, .ecEdwards), (.publicKey, .ecMontgomery):
            [.ecParams: [.requiredOnCreate, .requiredOnGenerate], .ecPoint: [.requiredOnCreate, .forbiddenOnGenerate]]
        case (.privateKey, .ec), (.privateKey, .ecEdwards), (.privateKey, .ecMontgomery):
            [
                .ecParams: [.requiredOnCreate, .forbiddenOnGenerate, .forbiddenOnUnwrap],
                .value: privateMaterial.union(.requiredOnCreate),
            ]
        case (.publicKey, .mlDSA), (.publicKey, .mlKEM):
            [.parameterSet: [.requiredOnCreate, .requiredOnGenerate], .value: [.requiredOnCreate, .forbiddenOnGenerate]]
        case (.privateKey, .mlDSA), (.privateKey, .mlKEM):
            [
                .parameterSet: [.requiredOnCreate, .forbiddenOnGenerate, .forbiddenOnUnwrap],
                .value: privateMaterial.union(.requiredOnCreate),
            ]
        case (.secretKey, _) where keyType.isSecret:
            [.value: privateMaterial.union(.requiredOnCreate), .valueLen: [.forbiddenOnCreate, .requiredOnGenerate]]
        default:
            [:]
        }
    }
}
