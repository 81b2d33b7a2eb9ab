// An object as the index holds it: the model value plus its key parsed once at load time, so a
// crypto operation is a dictionary lookup and nothing else.

import CofferCrypto
import CofferModel

/// A loaded object.
public struct IndexedObject: Sendable {
    public var object: StoredObject
    /// The key a mechanism takes, for keys; nil for data objects and certificates.
    public var material: KeyMaterial?
    /// Secret components, for C_GetAttributeValue of extractable, non-sensitive keys.
    var secretAttributes: AttributeSet
    /// The revision of the record's last write, for compare-and-swap updates.
    public var modRevision: Int64
    var keyBlob: KeyBlob?
}
