// Each class's and key type's default attribute values. Where PKCS#11 leaves a default to the token
// (footnote 9), Coffer picks the safe one: keys are private, sensitive and unextractable, and a key
// may by default do only what its type can do.

extension ObjectSchema {
    /// `CK_UNAVAILABLE_INFORMATION`, the value of CKA_KEY_GEN_MECHANISM for a key that was not generated.
    public static let unavailableInformation: UInt64 = .max

    /// The default attributes for a new object of this class and key type.
    public static func defaults(for objectClass: ObjectClass, keyType: KeyType?) -> AttributeSet {
        var set = AttributeSet([
            (.objectClass, .ulong(objectClass.rawValue)),
            (.token, .bool(false)),
            (.private, .bool(objectClass == .privateKey || objectClass == .secretKey)),
            (.modifiable, .bool(true)),
            (.copyable, .bool(true)),
            (.destroyable, .bool(true)),
            (.label, .string("")),
        ])
        switch objectClass {
        case .data:
            set[.application] = .string("")
            set[.objectID] = .bytes([])
            set[.value] = .bytes([])
        case .certificate:
            set[.trusted] = .bool(false)
            set[.certificateCategory] = .ulong(0)
            for t: AttributeType in [.id, .issuer, .serialNumber, .hashOfSubjectPublicKey, .hashOfIssuerPublicKey] {
                set[t] = .bytes([])
            }
            set[.url] = .string("")
            set[.javaMIDPSecurityDomain] = .ulong(0)
            // Table 24: the hash of the two hash attributes is SHA-1 unless the template names another.
            set[.nameHashAlgorithm] = .ulong(0x220)
            set[.startDate] = .date(nil)
            set[.endDate] = .date(nil)
        case .publicKey, .privateKey, .secretKey:
            set = set.merging(keyDefaults(objectClass, keyType))
        }
        return set
    }

    private static func keyDefaults(_ objectClass: ObjectClass, _ keyType: KeyType?) -> AttributeSet {
        var set = AttributeSet([
            (.id, .bytes([])), (.startDate, .date(nil)), (.endDate, .date(nil)), (.derive, .bool(false)),
        ])
        if let keyType { set[.keyType] = .ulong(keyType.rawValue) }
        let can = keyType.map(capabilities) ?? []
        func usage(_ t: AttributeType) { set[t] = .bool(can.contains(t)) }
        switch objectClass {
        case .publicKey:
            set[.subject] = .bytes([])
            set[.trusted] = .bool(false)
            [.encrypt, .verify, .verifyRecover, .wrap, .encapsulate].forEach(usage)
        case .privateKey:
            set[.subject] = .bytes([])
            set[.sensitive] = .bool(true)
            set[.extractable] = .bool(false)
            set[.wrapWithTrusted] = .bool(false)
            set[.alwaysAuthenticate] = .bool(false)
            [.decrypt, .sign, .signRecover, .unwrap, .decapsulate].forEach(usage)
        case .secretKey:
            set[.sensitive] = .bool(true)
            set[.extractable] = .bool(false)
            set[.wrapWithTrusted] = .bool(false)
            set[.trusted] = .bool(false)
            [.encrypt, .decrypt, .sign, .verify, .wrap, .unwrap].forEach(usage)
        case .data, .certificate:
            break
        }
        return set
    }

    /// The usage attributes that default to true for a key type: the functions the type can perform.
    private static func capabilities(_ keyType: KeyType) -> Set<AttributeType> {
        switch keyType {
        case .rsa: [.encrypt, .decrypt, .sign, .verify, .wrap, .unwrap]
        case .ec, .ecEdwards, .mlDSA: [.sign, .verify]
        case .ecMontgomery: []
        case .mlKEM: [.encapsulate, .decapsulate]
        case .aes: [.encrypt, .decrypt, .sign, .verify, .wrap, .unwrap]
        case .genericSecret, .sha256HMAC, .sha384HMAC, .sha512HMAC: [.sign, .verify]
        }
    }
}
