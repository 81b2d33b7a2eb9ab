// A set of typed attributes keyed by type: a caller's decoded template or an object's attributes.
// Iteration is in ascending type order, so encodings of equal sets are equal. The storage is compact
// (a million keys are held in memory): the known boolean attributes are bits, every other attribute
// one entry of a single byte buffer, so a usage check reads a bit and a key costs a few hundred bytes.

import CofferCrypto

/// Typed attributes, at most one value per type.
///
/// Two sets are equal when they hold the same types with the same values; strings compare by their
/// UTF-8 bytes (PKCS#11 labels are byte strings), not by Unicode canonical equivalence.
public struct AttributeSet: Sendable, Hashable, Sequence {
    /// Bit i set: `Flags.types[i]` is present with a boolean value.
    private var flagsPresent: UInt32 = 0
    /// Bit i: that value.
    private var flagsTrue: UInt32 = 0
    /// Every other attribute, ascending by type: type (LEB128), a tag, then the tag's payload (see `Tag`).
    private var packed: [UInt8] = []

    /// An empty set.
    public init() {}

    /// A set from typed values; a later duplicate replaces an earlier one.
    public init(_ pairs: [(AttributeType, AttributeValue)]) {
        for (t, v) in pairs { self[t] = v }
    }

    /// Decodes a caller's template.
    ///
    /// Unknown types give `.attributeTypeInvalid`, bad values `.attributeValueInvalid`. An attribute given twice
    /// with different values is `.templateInconsistent` (PKCS#11 v3.0 §4.1.1, "Creating objects"); the same
    /// value twice is accepted.
    public init(template: [RawAttribute]) throws(ModelError) {
        for raw in template {
            let value = try AttributeValue(decoding: raw.value, as: raw.type)
            if let earlier = self[raw.type], earlier != value {
                throw .templateInconsistent(raw.type, "given twice with different values")
            }
            self[raw.type] = value
        }
    }

    /// The value of `type`, if present.
    public subscript(type: AttributeType) -> AttributeValue? {
        get {
            if let bit = Flags.bit(of: type), flagsPresent & bit != 0 { return .bool(flagsTrue & bit != 0) }
            return entry(type).map { Self.decodeValue(packed, at: $0.payload, tag: $0.tag) }
        }
        set { set(type, newValue) }
    }

    /// Whether `type` is present.
    public func contains(_ type: AttributeType) -> Bool {
        if let bit = Flags.bit(of: type), flagsPresent & bit != 0 { return true }
        return entry(type) != nil
    }

    /// The number of attributes.
    public var count: Int {
        var n = flagsPresent.nonzeroBitCount
        var offset = 0
        while offset < packed.count {
            offset = Self.skip(packed, from: offset)
            n += 1
        }
        return n
    }

    /// Whether the set is empty.
    public var isEmpty: Bool { flagsPresent == 0 && packed.isEmpty }

    /// The types present, ascending.
    public var types: [AttributeType] { map(\.type) }

    /// Attributes in ascending type order.
    public func makeIterator() -> IndexingIterator<[(type: AttributeType, value: AttributeValue)]> {
        var all: [(type: AttributeType, value: AttributeValue)] = []
        var flags = flagsPresent
        var offset = 0
        while flags != 0 || offset < packed.count {
            let flagIndex = flags.trailingZeroBitCount
            var next: (type: AttributeType, tag: UInt8, payload: Int)? = nil
            if offset < packed.count {
                let (raw, afterType) = Self.readVarint(packed, at: offset)
                next = (AttributeType(rawValue: raw), packed[afterType], afterType + 1)
            }
            if flags != 0, next.map({ Flags.types[flagIndex] < $0.type }) ?? true {
                all.append((Flags.types[flagIndex], .bool(flagsTrue & (1 << UInt32(flagIndex)) != 0)))
                flags &= flags - 1
            } else if let next {
                all.append((next.type, Self.decodeValue(packed, at: next.payload, tag: next.tag)))
                offset = Self.skipPayload(packed, at: next.payload, tag: next.tag)
            }
        }
        return all.makeIterator()
    }

    /// The raw PKCS#11 form of every attribute, ascending by type.
    public var rawAttributes: [RawAttribute] { map { RawAttribute(type: $0.type, value: $0.value.rawBytes) } }

    /// A copy with `other`'s values laid over this set's.
    public func merging(_ other: AttributeSet) -> AttributeSet {
        var merged = self
        for (t, v) in other { merged[t] = v }
        return merged
    }

    /// A copy without the given types.
    public func removing(_ types: Set<AttributeType>) -> AttributeSet {
        var copy = self
        for t in types { copy[t] = nil }
        return copy
    }

    /// A copy with only the given types.
    public func filtered(_ keep: (AttributeType) -> Bool) -> AttributeSet {
        var copy = AttributeSet()
        for (t, v) in self where keep(t) { copy[t] = v }
        return copy
    }
}

extension AttributeSet {
    /// The boolean value of `type`, or nil when absent or of another kind.
    public func bool(_ type: AttributeType) -> Bool? {
        if let bit = Flags.bit(of: type), flagsPresent & bit != 0 { return flagsTrue & bit != 0 }
        guard let found = entry(type), found.tag <= Tag.boolTrue else { return nil }
        return found.tag == Tag.boolTrue
    }

    /// The CK_ULONG value of `type`, or nil.
    public func ulong(_ type: AttributeType) -> UInt64? {
        guard let found = entry(type), found.tag == Tag.ulong else { return nil }
        return Self.readVarint(packed, at: found.payload).value
    }

    /// The byte-array value of `type`, or nil.
    public func bytes(_ type: AttributeType) -> [UInt8]? {
        guard let found = entry(type), found.tag == Tag.bytes else { return nil }
        let (n, start) = Self.readVarint(packed, at: found.payload)
        return Array(packed[start..<(start + Int(n))])
    }

    /// The string value of `type`, or nil.
    public func string(_ type: AttributeType) -> String? {
        guard let found = entry(type), found.tag == Tag.string else { return nil }
        let (n, start) = Self.readVarint(packed, at: found.payload)
        return String(decoding: packed[start..<(start + Int(n))], as: UTF8.self)
    }

    /// CKA_ALLOWED_MECHANISMS, or nil when absent (any mechanism).
    public var allowedMechanisms: [MechanismType]? {
        guard let found = entry(.allowedMechanisms), found.tag == Tag.mechanisms else { return nil }
        guard case .mechanisms(let list) = Self.decodeValue(packed, at: found.payload, tag: found.tag) else { return nil }
        return list
    }

    /// CKA_CLASS decoded, or nil when absent or unknown.
    public var objectClass: ObjectClass? { ulong(.objectClass).flatMap(ObjectClass.init(rawValue:)) }

    /// CKA_KEY_TYPE decoded, or nil when absent or unknown.
    public var keyType: KeyType? { ulong(.keyType).flatMap(KeyType.init(rawValue:)) }
}

// MARK: - Storage

extension AttributeSet {
    /// The known boolean attributes, held as bits: ascending by type, so iteration can merge them.
    private enum Flags {
        static let types: [AttributeType] = [
            .token, .private, .trusted, .sensitive, .encrypt, .decrypt, .wrap, .unwrap, .sign, .signRecover,
            .verify, .verifyRecover, .derive, .extractable, .local, .neverExtractable, .alwaysSensitive,
            .modifiable, .copyable, .destroyable, .alwaysAuthenticate, .wrapWithTrusted, .encapsulate, .decapsulate,
        ]

        /// The bit of `type`, or nil when it is not one of `types`.
        @inline(__always)
        static func bit(of type: AttributeType) -> UInt32? {
            let index: UInt32
            switch type.rawValue {
            case 0x001: index = 0
            case 0x002: index = 1
            case 0x086: index = 2
            case 0x103...0x10C: index = UInt32(type.rawValue - 0x103) + 3
            case 0x162...0x165: index = UInt32(type.rawValue - 0x162) + 13
            case 0x170...0x172: index = UInt32(type.rawValue - 0x170) + 17
            case 0x202: index = 20
            case 0x210: index = 21
            case 0x633: index = 22
            case 0x634: index = 23
            default: return nil
            }
            return 1 << index
        }
    }

    /// The tag byte after an entry's type, and what its payload is.
    private enum Tag {
        static let boolFalse: UInt8 = 0  // no payload
        static let boolTrue: UInt8 = 1  // no payload
        static let ulong: UInt8 = 2  // LEB128 value
        static let bytes: UInt8 = 3  // LEB128 length, bytes
        static let string: UInt8 = 4  // LEB128 length, UTF-8
        static let noDate: UInt8 = 5  // no payload
        static let date: UInt8 = 6  // LEB128 year, month, day
        static let mechanisms: UInt8 = 7  // LEB128 count, LEB128 each
    }

    /// The packed entry of `type`: where it starts, its tag and where its payload starts.
    private func entry(_ type: AttributeType) -> (start: Int, tag: UInt8, payload: Int)? {
        var offset = 0
        let end = packed.count
        while offset < end {
            let (raw, afterType) = Self.readVarint(packed, at: offset)
            let tag = packed[afterType]
            if raw == type.rawValue { return (offset, tag, afterType + 1) }
            if raw > type.rawValue { return nil }
            offset = Self.skipPayload(packed, at: afterType + 1, tag: tag)
        }
        return nil
    }

    /// Adds `type`, which must be above every type present (a decoder's strictly ascending input), without
    /// rewriting the buffer. Call `shrinkToFit` when done.
    mutating func appendAscending(_ type: AttributeType, _ value: AttributeValue) {
        if let bit = Flags.bit(of: type), case .bool(let b) = value {
            flagsPresent |= bit
            if b { flagsTrue |= bit }
            return
        }
        Self.writeVarint(type.rawValue, to: &packed)
        Self.write(value, to: &packed)
    }

    /// Releases the buffer's spare capacity (a decoded set is kept for the node's lifetime).
    mutating func shrinkToFit() {
        guard packed.capacity > packed.count else { return }
        let old = packed
        packed = [UInt8](unsafeUninitializedCapacity: old.count) { buffer, initialized in
            initialized = buffer.initialize(fromContentsOf: old)
        }
    }

    /// Sets or removes `type`, keeping the storage canonical: a known boolean type with a boolean value
    /// is a bit, anything else a packed entry, never both.
    private mutating func set(_ type: AttributeType, _ value: AttributeValue?) {
        let bit = Flags.bit(of: type)
        if let bit {
            flagsPresent &= ~bit
            flagsTrue &= ~bit
            if case .bool(let b)? = value {
                flagsPresent |= bit
                if b { flagsTrue |= bit }
                replaceEntry(type, with: nil)
                return
            }
        }
        replaceEntry(type, with: value)
    }

    /// Rewrites the buffer with `type`'s entry replaced, inserted in order, or removed. The new buffer
    /// is allocated at its size, so a set holds no spare capacity.
    private mutating func replaceEntry(_ type: AttributeType, with value: AttributeValue?) {
        var cut = packed.count..<packed.count
        var offset = 0
        while offset < packed.count {
            let (raw, afterType) = Self.readVarint(packed, at: offset)
            let next = Self.skipPayload(packed, at: afterType + 1, tag: packed[afterType])
            if raw == type.rawValue {
                cut = offset..<next
                break
            }
            if raw > type.rawValue {
                cut = offset..<offset
                break
            }
            offset = next
        }
        var entry: [UInt8] = []
        if let value {
            Self.writeVarint(type.rawValue, to: &entry)
            Self.write(value, to: &entry)
        }
        if cut.isEmpty && entry.isEmpty { return }
        var rebuilt: [UInt8] = []
        rebuilt.reserveCapacity(packed.count - cut.count + entry.count)
        rebuilt.append(contentsOf: packed[..<cut.lowerBound])
        rebuilt.append(contentsOf: entry)
        rebuilt.append(contentsOf: packed[cut.upperBound...])
        packed = rebuilt
    }

    private static func write(_ value: AttributeValue, to out: inout [UInt8]) {
        switch value {
        case .bool(let b):
            out.append(b ? Tag.boolTrue : Tag.boolFalse)
        case .ulong(let v):
            out.append(Tag.ulong)
            writeVarint(v, to: &out)
        case .bytes(let b):
            out.append(Tag.bytes)
            writeVarint(UInt64(b.count), to: &out)
            out.append(contentsOf: b)
        case .string(let s):
            out.append(Tag.string)
            writeVarint(UInt64(s.utf8.count), to: &out)
            out.append(contentsOf: s.utf8)
        case .date(nil):
            out.append(Tag.noDate)
        case .date(let d?):
            out.append(Tag.date)
            writeVarint(UInt64(d.year), to: &out)
            out.append(UInt8(d.month))
            out.append(UInt8(d.day))
        case .mechanisms(let list):
            out.append(Tag.mechanisms)
            writeVarint(UInt64(list.count), to: &out)
            for m in list { writeVarint(UInt64(m.rawValue), to: &out) }
        }
    }

    /// The value of the entry whose payload starts at `offset`. The buffer was written by `write`.
    private static func decodeValue(_ p: [UInt8], at offset: Int, tag: UInt8) -> AttributeValue {
        switch tag {
        case Tag.boolFalse: return .bool(false)
        case Tag.boolTrue: return .bool(true)
        case Tag.ulong: return .ulong(readVarint(p, at: offset).value)
        case Tag.bytes:
            let (n, start) = readVarint(p, at: offset)
            return .bytes(Array(p[start..<(start + Int(n))]))
        case Tag.string:
            let (n, start) = readVarint(p, at: offset)
            return .string(String(decoding: p[start..<(start + Int(n))], as: UTF8.self))
        case Tag.noDate: return .date(nil)
        case Tag.date:
            let (year, at) = readVarint(p, at: offset)
            return .date(CKDate(year: Int(year), month: Int(p[at]), day: Int(p[at + 1])))
        default:
            var (n, at) = readVarint(p, at: offset)
            var list: [MechanismType] = []
            list.reserveCapacity(Int(n))
            while n > 0 {
                let (m, next) = readVarint(p, at: at)
                list.append(MechanismType(rawValue: UInt(m)))
                at = next
                n -= 1
            }
            return .mechanisms(list)
        }
    }

    /// The offset after the entry starting at `offset`.
    private static func skip(_ p: [UInt8], from offset: Int) -> Int {
        let afterType = readVarint(p, at: offset).next
        return skipPayload(p, at: afterType + 1, tag: p[afterType])
    }

    /// The offset after a payload of `tag` starting at `offset`.
    private static func skipPayload(_ p: [UInt8], at offset: Int, tag: UInt8) -> Int {
        switch tag {
        case Tag.boolFalse, Tag.boolTrue, Tag.noDate: return offset
        case Tag.ulong: return readVarint(p, at: offset).next
        case Tag.bytes, Tag.string:
            let (n, start) = readVarint(p, at: offset)
            return start + Int(n)
        case Tag.date: return readVarint(p, at: offset).next + 2
        default:
            var (n, at) = readVarint(p, at: offset)
            while n > 0 {
                at = readVarint(p, at: at).next
                n -= 1
            }
            return at
        }
    }

    private static func writeVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always)
    private static func readVarint(_ p: [UInt8], at offset: Int) -> (value: UInt64, next: Int) {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var at = offset
        while true {
            let byte = p[at]
            at += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return (value, at) }
            shift += 7
        }
    }
}
