// One CK_ATTRIBUTE as the caller sent it: a type and the bytes behind pValue.

/// A caller's attribute before decoding: what the PKCS#11 shim and the wire carry.
public struct RawAttribute: Sendable, Hashable {
    public var type: AttributeType
    public var value: [UInt8]

    public init(type: AttributeType, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    /// A raw attribute holding the encoding of `value`.
    public init(_ type: AttributeType, _ value: AttributeValue) {
        self.init(type: type, value: value.rawBytes)
    }
}
