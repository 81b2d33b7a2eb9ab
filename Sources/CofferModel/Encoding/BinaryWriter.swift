// Appends fixed-width big-endian integers and length-prefixed byte strings: the record format's writer.

/// A growing byte buffer for the model's record encodings.
public struct BinaryWriter {
    public init() {}
    public private(set) var bytes: [UInt8] = []

    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    public mutating func u32(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    public mutating func u64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    /// A 32-bit length followed by the bytes. Lengths never reach 2^32: values come from bounded templates.
    public mutating func lengthPrefixed(_ data: [UInt8]) {
        u32(UInt32(truncatingIfNeeded: data.count))
        bytes.append(contentsOf: data)
    }
}
