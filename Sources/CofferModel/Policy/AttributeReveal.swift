// What C_GetAttributeValue may answer for one attribute of an object.

/// The outcome of reading one attribute.
public enum AttributeReveal: Sendable, Hashable {
    /// The value, from the object's public attributes.
    case value(AttributeValue)
    /// A secret component that policy allows revealing; the state layer must unseal it.
    case sealed
}
