// One Shamir share and its versioned encoding, which carries x, the threshold, the split's id
// and a checksum, so that a mistyped share is caught before it is combined.

import Crypto

/// One point (x, P(x)) of a Shamir split, for every byte of the secret.
///
/// Binary format, version 1 (all integers big-endian):
/// `version(1) || x(1) || threshold(1) || setID(8) || length(2) || y(length) || checksum(4)`,
/// where `checksum` is the first 4 bytes of SHA-256 over everything before it.
/// The text form is `coffer-share:` followed by the lower-case hex of the binary form.
public struct ShamirShare: Sendable {
    /// The current format version.
    public static let formatVersion: UInt8 = 1
    /// The prefix of the text form.
    public static let textPrefix = "coffer-share:"
    /// Length of the identifier shared by all shares of one split.
    public static let setIDLength = 8
    static let headerLength = 1 + 1 + 1 + setIDLength + 2
    static let checksumLength = 4

    /// The x-coordinate, 1...255 (0 would be the secret itself).
    public let x: UInt8
    /// How many shares of this split are needed to rebuild the secret.
    public let threshold: Int
    /// A random identifier common to the shares of one split: mixing splits is caught by it.
    public let setID: [UInt8]
    /// The y-coordinates, one per secret byte.
    let y: SecretBytes

    init(x: UInt8, threshold: Int, setID: [UInt8], y: SecretBytes) {
        self.x = x
        self.threshold = threshold
        self.setID = setID
        self.y = y
    }

    /// The length of the shared secret in bytes.
    public var secretLength: Int { y.count }

    /// The binary encoding. It is secret: zeroised when the result is released.
    public func encoded() -> SecretBytes {
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.headerLength + y.count + Self.checksumLength)
        bytes.append(Self.formatVersion)
        bytes.append(x)
        bytes.append(UInt8(truncatingIfNeeded: threshold))
        bytes.append(contentsOf: setID)
        bytes.append(UInt8(truncatingIfNeeded: y.count >> 8))
        bytes.append(UInt8(truncatingIfNeeded: y.count))
        y.withUnsafeBytes { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Self.checksum(bytes[...]))
        return SecretBytes(consuming: &bytes)
    }

    /// The text encoding for handing to a person. A `String` cannot be zeroised: keep it short-lived.
    public func text() -> String {
        Self.textPrefix + encoded().withUnsafeBytes { Hex.encode($0) }
    }

    /// Decodes the binary form, checking the version, the checksum and every field.
    public init<C: Collection>(encoded: C) throws(ShamirError) where C.Element == UInt8 {
        var bytes = Array(encoded)
        defer { bytes.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        let minimum = Self.headerLength + 1 + Self.checksumLength
        guard bytes.count >= minimum else {
            throw .malformedShare("\(bytes.count) bytes, at least \(minimum) expected")
        }
        guard bytes[0] == Self.formatVersion else { throw .unsupportedVersion(bytes[0]) }
        let bodyEnd = bytes.count - Self.checksumLength
        guard SecretBytes.constantTimeEqual(Self.checksum(bytes[..<bodyEnd]), Array(bytes[bodyEnd...])) else {
            throw .checksumMismatch
        }
        let x = bytes[1]
        let threshold = Int(bytes[2])
        guard x != 0 else { throw .malformedShare("x-coordinate 0") }
        guard threshold >= 1 else { throw .malformedShare("threshold 0") }
        let lengthOffset = 3 + Self.setIDLength
        let length = Int(bytes[lengthOffset]) << 8 | Int(bytes[lengthOffset + 1])
        guard length >= 1, Self.headerLength + length == bodyEnd else {
            throw .malformedShare("length field \(length) does not match the share's size")
        }
        self.init(
            x: x,
            threshold: threshold,
            setID: Array(bytes[3..<lengthOffset]),
            y: SecretBytes(bytes[Self.headerLength..<bodyEnd])
        )
    }

    /// Decodes the text form (surrounding whitespace is ignored).
    public init(text: String) throws(ShamirError) {
        var trimmed = Substring(text)
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        guard trimmed.hasPrefix(Self.textPrefix) else {
            throw .malformedShare("text does not start with \(Self.textPrefix)")
        }
        guard var bytes = Hex.decode(trimmed.dropFirst(Self.textPrefix.count)) else {
            throw .malformedShare("text is not hex")
        }
        defer { bytes.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        try self.init(encoded: bytes)
    }

    private static func checksum(_ body: ArraySlice<UInt8>) -> [UInt8] {
        Array(SHA256.hash(data: body).prefix(checksumLength))
    }
}
