// The attributes the library maintains and callers never set: CKA_LOCAL, CKA_KEY_GEN_MECHANISM,
// CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE (PKCS#11 v3.0 §4.10 and §4.14, secret and private keys).

import CofferCrypto

/// Computes the library-maintained attributes at each point of a key's life.
public enum LibraryAttributes {
    /// A key generated on the token: CKA_LOCAL true, CKA_KEY_GEN_MECHANISM the mechanism, and
    /// CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE from the key's own flags.
    public static func generated(_ attributes: AttributeSet, by mechanism: MechanismType) -> AttributeSet {
        var set = attributes
        set[.local] = .bool(true)
        set[.keyGenMechanism] = .ulong(UInt64(mechanism.rawValue))
        if hasSensitivity(set) {
            set[.alwaysSensitive] = .bool(set.bool(.sensitive) ?? false)
            set[.neverExtractable] = .bool(!(set.bool(.extractable) ?? true))
        }
        return set
    }

    /// A key created from caller-supplied values or unwrapped: it has existed outside the token, so
    /// CKA_LOCAL, CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE are false whatever the template says
    /// (v3.0 §4.14: both are true only for keys that were always sensitive / never extractable).
    public static func imported(_ attributes: AttributeSet) -> AttributeSet {
        var set = attributes
        guard set.objectClass?.isKey == true else { return set }
        set[.local] = .bool(false)
        set[.keyGenMechanism] = .ulong(ObjectSchema.unavailableInformation)
        if hasSensitivity(set) {
            set[.alwaysSensitive] = .bool(false)
            set[.neverExtractable] = .bool(false)
        }
        return set
    }

    /// A key derived from `base`: not local, and always-sensitive / never-extractable only if the base key was too
    /// (v3.0 §5.18.5 C_DeriveKey).
    public static func derived(_ attributes: AttributeSet, from base: AttributeSet) -> AttributeSet {
        var set = attributes
        set[.local] = .bool(false)
        set[.keyGenMechanism] = .ulong(ObjectSchema.unavailableInformation)
        if hasSensitivity(set) {
            set[.alwaysSensitive] = .bool((base.bool(.alwaysSensitive) ?? false) && (set.bool(.sensitive) ?? false))
            set[.neverExtractable] = .bool((base.bool(.neverExtractable) ?? false) && !(set.bool(.extractable) ?? true))
        }
        return set
    }

    /// A secret key made by C_EncapsulateKey: its value came into being on the token and was never
    /// outside it, so CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE follow its own flags (as a key
    /// derived from one that always was both); it is not CKA_LOCAL (that is for C_GenerateKey and
    /// C_GenerateKeyPair, v3.0 §4.10).
    public static func encapsulated(_ attributes: AttributeSet) -> AttributeSet {
        derived(attributes, from: AttributeSet([(.alwaysSensitive, .bool(true)), (.neverExtractable, .bool(true))]))
    }

    /// The key after its attributes changed (set or copy): CKA_LOCAL and CKA_KEY_GEN_MECHANISM carry over, and
    /// CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE fall to false for good once the key was ever not sensitive
    /// or ever extractable.
    public static func changed(from old: AttributeSet, to new: AttributeSet) -> AttributeSet {
        var set = new
        for t: AttributeType in [.local, .keyGenMechanism] { set[t] = old[t] }
        if hasSensitivity(set) {
            set[.alwaysSensitive] = .bool((old.bool(.alwaysSensitive) ?? false) && (set.bool(.sensitive) ?? false))
            set[.neverExtractable] = .bool((old.bool(.neverExtractable) ?? false) && !(set.bool(.extractable) ?? true))
        }
        return set
    }

    private static func hasSensitivity(_ set: AttributeSet) -> Bool {
        set.objectClass == .privateKey || set.objectClass == .secretKey
    }
}
