// Equality of secret byte strings in time that depends only on their lengths, for checksums,
// verifiers and digests where an early exit would tell an attacker how many bytes matched.

extension SecretBytes {
    /// True when `a` and `b` hold the same bytes. Lengths are not secret; contents are.
    public static func constantTimeEqual<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(a, b) { difference |= left ^ right }
        return difference == 0
    }

    /// True when both hold the same bytes, compared in constant time.
    public func constantTimeEqual(_ other: SecretBytes) -> Bool {
        withUnsafeBytes { mine in other.withUnsafeBytes { theirs in SecretBytes.constantTimeEqual(mine, theirs) } }
    }
}
