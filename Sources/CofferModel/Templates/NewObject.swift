// The result of an accepted C_CreateObject template: the object's public attributes, and the
// secret components the state layer seals apart from them.

/// An object ready to store.
public struct NewObject: Sendable, Hashable {
    /// Every attribute except secret material, with defaults and library attributes filled in.
    public var attributes: AttributeSet
    /// Secret components (CKA_VALUE of secret and private keys, RSA private parts) to seal separately.
    public var secretAttributes: AttributeSet

    public init(attributes: AttributeSet, secretAttributes: AttributeSet) {
        self.attributes = attributes
        self.secretAttributes = secretAttributes
    }

    /// The object's class.
    public var objectClass: ObjectClass? { attributes.objectClass }
}
