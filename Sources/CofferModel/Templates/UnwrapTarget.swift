// The result of an accepted C_UnwrapKey template: the new key's attributes, waiting for the
// key material the unwrapping produces.

/// A key to unwrap into.
public struct UnwrapTarget: Sendable, Hashable {
    /// The key's attributes, complete except for the values the unwrapped material supplies.
    public var attributes: AttributeSet
    public var objectClass: ObjectClass
    public var keyType: KeyType
    /// CKA_VALUE_LEN from the template, when given: the unwrapped secret must have this length.
    public var expectedValueLength: Int?
}
