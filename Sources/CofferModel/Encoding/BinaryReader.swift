// Reads what BinaryWriter wrote, checking every length against what is left, so hostile or
// truncated bytes end in ModelError.recordCorrupt and never in a trap.

/// A cursor over untrusted record bytes.
public struct BinaryReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    public mutating func take(_ n: Int) throws(ModelError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw .recordCorrupt("truncated: wanted \(n) bytes, \(remaining) left") }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    public mutating func u8() throws(ModelError) -> UInt8 { try take(1).first ?? 0 }

    public mutating func u32() throws(ModelError) -> UInt32 {
        try take(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func u64() throws(ModelError) -> UInt64 {
        try take(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func lengthPrefixed() throws(ModelError) -> [UInt8] {
        let n = try u32()
        return Array(try take(Int(n)))
    }

    /// Checks that every byte was consumed.
    public func finish() throws(ModelError) {
        guard remaining == 0 else { throw .recordCorrupt("\(remaining) trailing bytes") }
    }
}
