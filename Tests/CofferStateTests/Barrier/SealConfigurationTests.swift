// The stored seal configuration: deterministic encoding, hostile encodings, and no secrets inside.

@testable import CofferCrypto
import Testing
@testable import CofferState

@Suite struct SealConfigurationTests {
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains {
            haystack[$0..<($0 + needle.count)].elementsEqual(needle)
        }
    }

    @Test func encodingRoundTripsAndIsDeterministic() throws {
        let (configuration, _, _) = try Initializer.initialize(threshold: 3, shares: 5)
        let encoded = configuration.encoded()
        #expect(encoded == configuration.encoded())
        let decoded = try SealConfiguration(encoded: encoded)
        #expect(decoded == configuration)
        #expect(decoded.threshold == 3 && decoded.shareCount == 5 && decoded.shareDigests.count == 5)
    }

    @Test func holdsNoShareAndNoKeyBytes() throws {
        let (configuration, shares, barrier) = try Initializer.initialize(threshold: 2, shares: 4)
        let encoded = configuration.encoded()
        let keyBytes = barrier.domainKey.key.withUnsafeBytes { Array($0) }
        for window in stride(from: 0, to: keyBytes.count - 8, by: 4) {
            #expect(!Self.contains(encoded, Array(keyBytes[window..<(window + 8)])))
        }
        for share in shares {
            let y = share.y.unsafeCopy
            #expect(!Self.contains(encoded, Array(y.prefix(8))))
            #expect(!Self.contains(encoded, Array(y.suffix(8))))
        }
    }

    @Test func malformedEncodingsAreRejected() throws {
        let encoded = try Initializer.initialize(threshold: 2, shares: 3).configuration.encoded()
        for length in 0..<encoded.count {
            #expect(throws: BarrierError.self, "length \(length)") {
                try SealConfiguration(encoded: encoded.prefix(length))
            }
        }
        #expect(throws: BarrierError.self) { try SealConfiguration(encoded: encoded + [0]) }
        for (index, value) in [(0, UInt8(2)), (1, 0), (1, 4), (2, 1), (2, 0)] {
            var bad = encoded
            bad[index] = value
            #expect(throws: BarrierError.self, "byte \(index) = \(value)") { try SealConfiguration(encoded: bad) }
        }
    }

    @Test func eachShareChecksOnItsOwn() throws {
        let (configuration, shares, _) = try Initializer.initialize(threshold: 3, shares: 3)
        for share in shares { try configuration.check(share) }
        let swapped = ShamirShare(x: 1, threshold: 3, setID: shares[1].setID, y: shares[1].y)
        #expect(throws: BarrierError.shareCheckFailed(x: 1)) { try configuration.check(swapped) }
    }
}
