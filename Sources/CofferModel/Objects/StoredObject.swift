// An object as the state layer keeps it: handle, class, public attributes, owner and sharing.
// Secret key material is not part of this value; the state layer seals it separately.

/// A handle naming an object across the cluster.
public typealias ObjectHandle = UInt64

/// A PKCS#11 object with its ownership. Attributes hold no secret material (see `ObjectSchema.isSecret`).
public struct StoredObject: Sendable, Hashable {
    public var handle: ObjectHandle
    public var objectClass: ObjectClass
    public var attributes: AttributeSet
    public var owner: UserID
    public var sharedWith: Set<UserID>

    public init(handle: ObjectHandle, objectClass: ObjectClass, attributes: AttributeSet, owner: UserID, sharedWith: Set<UserID> = []) {
        self.handle = handle
        self.objectClass = objectClass
        self.attributes = attributes
        self.owner = owner
        self.sharedWith = sharedWith
    }

    /// The key type, for keys.
    public var keyType: KeyType? { attributes.keyType }

    /// CKA_LABEL, or empty.
    public var label: String { attributes.string(.label) ?? "" }

    /// CKA_ID, or empty.
    public var id: [UInt8] { attributes.bytes(.id) ?? [] }
}
