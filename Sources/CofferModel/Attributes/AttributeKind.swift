// The C type behind each attribute: it decides the raw byte form a value must have.
// An attribute type with no kind is one Coffer does not know, reported as CKR_ATTRIBUTE_TYPE_INVALID.

/// How an attribute's value is encoded in a `CK_ATTRIBUTE`.
public enum AttributeKind: Sendable, Hashable {
    /// `CK_BBOOL`: one byte.
    case bool
    /// `CK_ULONG` (and the ULONG-typed CK_OBJECT_CLASS, CK_KEY_TYPE, ...): 8 bytes little-endian.
    case ulong
    /// A byte array (big integers, DER, opaque values).
    case bytes
    /// `CK_UTF8CHAR` array.
    case string
    /// `CK_DATE` (8 ASCII digits) or empty.
    case date
    /// `CK_MECHANISM_TYPE` array.
    case mechanisms
}

extension AttributeType {
    /// The value kind of this attribute, or nil when Coffer does not know the attribute.
    public var kind: AttributeKind? { Self.kinds[self] }

    private static let kinds: [AttributeType: AttributeKind] = {
        var table: [AttributeType: AttributeKind] = [:]
        let bools: [AttributeType] = [
            .token, .private, .modifiable, .copyable, .destroyable, .trusted, .sensitive, .encrypt, .decrypt,
            .wrap, .unwrap, .sign, .signRecover, .verify, .verifyRecover, .derive, .extractable, .local,
            .neverExtractable, .alwaysSensitive, .alwaysAuthenticate, .wrapWithTrusted, .encapsulate, .decapsulate,
        ]
        let ulongs: [AttributeType] = [
            .objectClass, .certificateType, .certificateCategory, .keyType, .valueLen, .keyGenMechanism,
            .modulusBits, .parameterSet, .javaMIDPSecurityDomain, .nameHashAlgorithm,
        ]
        let byteArrays: [AttributeType] = [
            .value, .objectID, .issuer, .serialNumber, .checkValue, .subject, .id, .publicKeyInfo, .modulus,
            .hashOfSubjectPublicKey, .hashOfIssuerPublicKey,
            .publicExponent, .privateExponent, .prime1, .prime2, .exponent1, .exponent2, .coefficient,
            .ecParams, .ecPoint,
        ]
        for t in bools { table[t] = .bool }
        for t in ulongs { table[t] = .ulong }
        for t in byteArrays { table[t] = .bytes }
        table[.label] = .string
        table[.application] = .string
        table[.url] = .string
        table[.startDate] = .date
        table[.endDate] = .date
        table[.allowedMechanisms] = .mechanisms
        return table
    }()
}
