// A set of typed attributes keyed by type: a caller's decoded template or an object's attributes.
// Iteration is in ascending type order, so encodings of equal sets are equal.

import CofferCrypto

/// Typed attributes, at most one value per type.
public struct AttributeSet: Sendable, Hashable, Sequence {
    private var values: [AttributeType: AttributeValue]

    /// An empty set.
    public init() { values = [:] }

    /// A set from typed values; a later duplicate replaces an earlier one.
    public init(_ pairs: [(AttributeType, AttributeValue)]) {
        values = [:]
        for (t, v) in pairs { values[t] = v }
    }

    /// Decodes a caller's template.
    ///
    /// Unknown types give `.attributeTypeInvalid`, bad values `.attributeValueInvalid`. An attribute given twice
    /// with different values is `.templateInconsistent` (PKCS#11 v3.0 §4.1.1, "Creating objects"); the same
    /// value twice is accepted.
    public init(template: [RawAttribute]) throws(ModelError) {
        values = [:]
        for raw in template {
            let value = try AttributeValue(decoding: raw.value, as: raw.type)
            if let earlier = values[raw.type], earlier != value {
                throw .templateInconsistent(raw.type, "given twice with different values")
            }
            values[raw.type] = value
        }
    }

    /// The value of `type`, if present.
    public subscript(type: AttributeType) -> AttributeValue? {
        get { values[type] }
        set { values[type] = newValue }
    }

    /// Whether `type` is present.
    public func contains(_ type: AttributeType) -> Bool { values[type] != nil }

    /// The number of attributes.
    public var count: Int { values.count }

    /// Whether the set is empty.
    public var isEmpty: Bool { values.isEmpty }

    /// The types present, ascending.
    public var types: [AttributeType] { values.keys.sorted() }

    /// Attributes in ascending type order.
    public func makeIterator() -> IndexingIterator<[(type: AttributeType, value: AttributeValue)]> {
        types.compactMap { t in values[t].map { (type: t, value: $0) } }.makeIterator()
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
        if case .bool(let b)? = values[type] { return b }
        return nil
    }

    /// The CK_ULONG value of `type`, or nil.
    public func ulong(_ type: AttributeType) -> UInt64? {
        if case .ulong(let v)? = values[type] { return v }
        return nil
    }

    /// The byte-array value of `type`, or nil.
    public func bytes(_ type: AttributeType) -> [UInt8]? {
        if case .bytes(let b)? = values[type] { return b }
        return nil
    }

    /// The string value of `type`, or nil.
    public func string(_ type: AttributeType) -> String? {
        if case .string(let s)? = values[type] { return s }
        return nil
    }

    /// CKA_ALLOWED_MECHANISMS, or nil when absent (any mechanism).
    public var allowedMechanisms: [MechanismType]? {
        if case .mechanisms(let list)? = values[.allowedMechanisms] { return list }
        return nil
    }

    /// CKA_CLASS decoded, or nil when absent or unknown.
    public var objectClass: ObjectClass? { ulong(.objectClass).flatMap(ObjectClass.init(rawValue:)) }

    /// CKA_KEY_TYPE decoded, or nil when absent or unknown.
    public var keyType: KeyType? { ulong(.keyType).flatMap(KeyType.init(rawValue:)) }
}
