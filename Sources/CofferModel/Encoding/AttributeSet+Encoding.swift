// The deterministic binary form of an attribute set: version, count, then (type, length, raw value)
// in strictly ascending type order. Equal sets encode to equal bytes; any other byte string is rejected.

extension AttributeSet {
    static let encodingVersion: UInt8 = 1
    /// Bytes per attribute beyond its value: type (8) and length (4).
    private static let entryOverhead = 12

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var w = BinaryWriter()
        write(to: &w)
        return w.bytes
    }

    /// Decodes bytes made by `encoded`; throws `.recordCorrupt` for anything else.
    public init(encoded bytes: [UInt8]) throws(ModelError) {
        var r = BinaryReader(bytes)
        try self.init(from: &r)
        try r.finish()
    }

    func write(to w: inout BinaryWriter) {
        w.u8(Self.encodingVersion)
        w.u32(UInt32(truncatingIfNeeded: count))
        for (type, value) in self {
            w.u64(type.rawValue)
            w.lengthPrefixed(value.rawBytes)
        }
    }

    init(from r: inout BinaryReader) throws(ModelError) {
        guard try r.u8() == Self.encodingVersion else { throw .recordCorrupt("unknown attribute set version") }
        let count = try r.u32()
        guard Int(count) <= r.remaining / Self.entryOverhead else { throw .recordCorrupt("attribute count \(count) too large") }
        self.init()
        var previous: AttributeType?
        for _ in 0..<count {
            let type = AttributeType(rawValue: try r.u64())
            if let previous, type <= previous { throw .recordCorrupt("attributes out of order or repeated") }
            previous = type
            let raw = try r.lengthPrefixed()
            do {
                appendAscending(type, try AttributeValue(decoding: raw, as: type))
            } catch {
                throw .recordCorrupt("attribute \(type): \(error)")
            }
        }
        shrinkToFit()
    }
}
