// What PKCS#11 says about one attribute on one kind of object: the numbered footnotes of the
// object attribute tables (v2.40 §4.2 Table 10, "Common footnotes for object attribute tables"),
// plus the library-maintained flag for the attributes Coffer computes itself.

/// The rules for one attribute of one object class and key type.
public struct AttributeRule: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Footnote 1: must be given to C_CreateObject.
    public static let requiredOnCreate = AttributeRule(rawValue: 1 << 0)
    /// Footnote 2: must not be given to C_CreateObject.
    public static let forbiddenOnCreate = AttributeRule(rawValue: 1 << 1)
    /// Footnote 3: must be given to C_GenerateKey / C_GenerateKeyPair.
    public static let requiredOnGenerate = AttributeRule(rawValue: 1 << 2)
    /// Footnote 4: must not be given to C_GenerateKey / C_GenerateKeyPair.
    public static let forbiddenOnGenerate = AttributeRule(rawValue: 1 << 3)
    /// Footnote 5: must be given to C_UnwrapKey.
    public static let requiredOnUnwrap = AttributeRule(rawValue: 1 << 4)
    /// Footnote 6: must not be given to C_UnwrapKey.
    public static let forbiddenOnUnwrap = AttributeRule(rawValue: 1 << 5)
    /// Footnote 7: secret key material, never revealed when sensitive or unextractable. Coffer keeps it
    /// out of the object's attribute set; the state layer seals it separately.
    public static let secret = AttributeRule(rawValue: 1 << 6)
    /// Footnote 8: may be changed by C_SetAttributeValue and C_CopyObject.
    public static let modifiable = AttributeRule(rawValue: 1 << 7)
    /// Footnote 10: only the SO (a Coffer admin) may set it to true.
    public static let adminSetsTrue = AttributeRule(rawValue: 1 << 8)
    /// Footnote 11: once true it cannot change.
    public static let onlyToTrue = AttributeRule(rawValue: 1 << 9)
    /// Footnote 12: once false it cannot change.
    public static let onlyToFalse = AttributeRule(rawValue: 1 << 10)
    /// Computed by the library (CKA_LOCAL, CKA_ALWAYS_SENSITIVE, ...): a caller giving it gets CKR_ATTRIBUTE_READ_ONLY.
    public static let libraryMaintained = AttributeRule(rawValue: 1 << 11)
    /// May be changed by C_CopyObject although not by C_SetAttributeValue (CKA_TOKEN, CKA_PRIVATE, ...; v3.0 §5.7 C_CopyObject).
    public static let copyModifiable = AttributeRule(rawValue: 1 << 12)
}
