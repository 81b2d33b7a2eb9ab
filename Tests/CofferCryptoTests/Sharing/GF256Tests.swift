// Field axioms of GF(2^8) modulo 0x11B, checked exhaustively against a long-division reference.

import Testing
@testable import CofferCrypto

@Suite struct GF256Tests {
    /// Carry-less product, then reduction by the AES polynomial 0x11B: written independently of GF256.
    static func reference(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var product: UInt16 = 0
        for bit in 0..<8 where (b >> bit) & 1 == 1 { product ^= UInt16(a) << bit }
        for bit in stride(from: 15, through: 8, by: -1) where (product >> bit) & 1 == 1 {
            product ^= 0x11B << (bit - 8)
        }
        return UInt8(product)
    }

    @Test func multiplicationMatchesReferenceForAllPairs() {
        var mismatches = 0
        for a in 0...255 {
            for b in 0...255 where GF256.multiply(UInt8(a), UInt8(b)) != Self.reference(UInt8(a), UInt8(b)) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }

    @Test func fips197Examples() {
        // FIPS 197 section 4.2: {57} * {83} = {c1}; section 4.4: {53} and {ca} are inverses.
        #expect(GF256.multiply(0x57, 0x83) == 0xC1)
        #expect(GF256.inverse(0x53) == 0xCA)
        #expect(GF256.inverse(0xCA) == 0x53)
    }

    @Test func identityZeroAndCommutativity() {
        for a in 0...255 {
            let x = UInt8(a)
            #expect(GF256.multiply(x, 1) == x)
            #expect(GF256.multiply(x, 0) == 0)
            for b in 0...255 where GF256.multiply(x, UInt8(b)) != GF256.multiply(UInt8(b), x) {
                Issue.record("multiply(\(a), \(b)) is not commutative")
            }
        }
    }

    @Test func everyNonZeroElementHasItsInverse() {
        #expect(GF256.inverse(0) == 0)
        for a in 1...255 {
            #expect(GF256.multiply(UInt8(a), GF256.inverse(UInt8(a))) == 1, "a = \(a)")
            #expect(GF256.divide(GF256.multiply(UInt8(a), 0x1D), UInt8(a)) == 0x1D)
        }
    }

    @Test(arguments: [UInt8(0x00), 0x01, 0x02, 0x53, 0x80, 0xFF])
    func associativeAndDistributive(c: UInt8) {
        var failures = 0
        for a in 0...255 {
            for b in 0...255 {
                let x = UInt8(a), y = UInt8(b)
                if GF256.multiply(GF256.multiply(x, y), c) != GF256.multiply(x, GF256.multiply(y, c)) { failures += 1 }
                if GF256.multiply(x, y ^ c) != GF256.multiply(x, y) ^ GF256.multiply(x, c) { failures += 1 }
            }
        }
        #expect(failures == 0)
    }
}
