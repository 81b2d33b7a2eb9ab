// Arithmetic in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11B), for Shamir sharing.
// Every operation runs in the same time for every input: no tables indexed by secrets, no secret branches.

/// Constant-time arithmetic in GF(2^8) modulo 0x11B.
enum GF256 {
    /// Addition and subtraction are both XOR in characteristic 2.
    @inline(__always)
    static func add(_ a: UInt8, _ b: UInt8) -> UInt8 { a ^ b }

    /// Multiplies with a fixed 8-round shift-and-xor loop; masks replace branches.
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var product: UInt8 = 0
        var a = a
        var b = b
        for _ in 0..<8 {
            // 0xFF when the low bit of b is set, else 0x00.
            product ^= a & (0 &- (b & 1))
            // Reduce by 0x1B when the shift carries out of bit 7.
            let carry = 0 &- (a >> 7)
            a = (a << 1) ^ (carry & 0x1B)
            b >>= 1
        }
        return product
    }

    /// The multiplicative inverse as a^254 (Fermat: a^255 = 1 for a != 0); maps 0 to 0.
    /// The exponent is a public constant, so its fixed square-and-multiply chain leaks nothing.
    static func inverse(_ a: UInt8) -> UInt8 {
        // 254 = 0b1111_1110: a^2 * a^4 * ... * a^128.
        var square = multiply(a, a)  // a^2
        var result = square
        for _ in 0..<6 {
            square = multiply(square, square)  // a^4 ... a^128
            result = multiply(result, square)
        }
        return result
    }

    /// a / b, with b != 0 (b = 0 gives 0, which callers rule out beforehand).
    static func divide(_ a: UInt8, _ b: UInt8) -> UInt8 {
        multiply(a, inverse(b))
    }
}
