// The binary form of a stored object: version, handle, owner, the sorted shared-with list, then its
// attribute set. The class is read back from CKA_CLASS, so the two can never disagree.

extension StoredObject {
    static let encodingVersion: UInt8 = 1

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var w = BinaryWriter()
        w.u8(Self.encodingVersion)
        w.u64(handle)
        w.u64(owner.rawValue)
        let shared = sharedWith.sorted()
        w.u32(UInt32(truncatingIfNeeded: shared.count))
        for id in shared { w.u64(id.rawValue) }
        var attributes = self.attributes
        attributes[.objectClass] = .ulong(objectClass.rawValue)
        attributes.write(to: &w)
        return w.bytes
    }

    /// Decodes bytes made by `encoded`; throws `.recordCorrupt` for anything else.
    public init(encoded bytes: [UInt8]) throws(ModelError) {
        var r = BinaryReader(bytes)
        guard try r.u8() == Self.encodingVersion else { throw .recordCorrupt("unknown object version") }
        let handle = try r.u64()
        let owner = UserID(try r.u64())
        let sharedCount = try r.u32()
        guard Int(sharedCount) <= r.remaining / 8 else { throw .recordCorrupt("shared-with count too large") }
        var shared: [UserID] = []
        for _ in 0..<sharedCount {
            let id = UserID(try r.u64())
            if let last = shared.last, id <= last { throw .recordCorrupt("shared-with list out of order or repeated") }
            shared.append(id)
        }
        let attributes = try AttributeSet(from: &r)
        try r.finish()
        guard let objectClass = attributes.objectClass else { throw .recordCorrupt("missing or unknown CKA_CLASS") }
        self.init(handle: handle, objectClass: objectClass, attributes: attributes, owner: owner, sharedWith: Set(shared))
    }
}
