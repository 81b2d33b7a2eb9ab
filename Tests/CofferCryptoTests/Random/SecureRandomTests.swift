import Testing
@testable import CofferCrypto

@Suite struct SecureRandomTests {
    @Test func givesTheRequestedLengthAndVaries() {
        for count in [1, 7, 8, 9, 33, 1000] {
            #expect(SecureRandom.bytes(count).count == count)
        }
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(-5).isEmpty)
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
    }

    @Test func looksUniform() {
        // 64 KiB of output: every byte value appears, and no value is wildly over-represented
        // (expected 256 each; a fair generator exceeds 400 with negligible probability).
        var counts = [Int](repeating: 0, count: 256)
        for byte in SecureRandom.bytes(65_536) { counts[Int(byte)] += 1 }
        #expect(counts.allSatisfy { $0 > 120 && $0 < 400 })
    }
}
