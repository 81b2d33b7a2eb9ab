// Random bytes for callers outside the mechanisms (C_GenerateRandom, IVs, salts), from the system CSPRNG.

/// The system's cryptographically secure random number generator.
public enum SecureRandom {
    /// `count` random bytes from `SystemRandomNumberGenerator` (getrandom(2) on Linux).
    /// A count of zero or less gives an empty array.
    public static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var generator = SystemRandomNumberGenerator()
        var out = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = generator.next() as UInt64
            for _ in 0..<Swift.min(8, count - index) {
                out[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return out
    }
}
