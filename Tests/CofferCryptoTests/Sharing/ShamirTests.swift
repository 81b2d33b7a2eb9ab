// Shamir split and combine: every parameter range, subsets, too few shares, and hostile share encodings.

import Testing
@testable import CofferCrypto

@Suite struct ShamirTests {
    static func randomSecret(_ count: Int = 32) -> SecretBytes {
        SecretBytes((0..<count).map { _ in UInt8.random(in: 0...255) })
    }

    @Test(arguments: [(1, 1), (1, 5), (2, 2), (2, 3), (3, 5), (5, 5), (7, 12), (16, 255), (255, 255)])
    func splitThenCombineRebuildsTheSecret(threshold: Int, count: Int) throws {
        let secret = Self.randomSecret(threshold > 100 ? 4 : 32)
        let shares = try Shamir.split(secret: secret, threshold: threshold, shares: count)
        #expect(shares.count == count)
        #expect(shares.map(\.x) == (1...count).map(UInt8.init))
        #expect(try Shamir.combine(Array(shares.shuffled().prefix(threshold))).constantTimeEqual(secret))
        #expect(try Shamir.combine(shares).constantTimeEqual(secret))
    }

    @Test func everySubsetOfThreeOfFiveRebuilds() throws {
        let secret = Self.randomSecret()
        let shares = try Shamir.split(secret: secret, threshold: 3, shares: 5)
        var subsets = 0
        for i in 0..<5 {
            for j in (i + 1)..<5 {
                for k in (j + 1)..<5 {
                    #expect(try Shamir.combine([shares[k], shares[i], shares[j]]).constantTimeEqual(secret))
                    subsets += 1
                }
            }
        }
        #expect(subsets == 10)
    }

    @Test func fewerThanThresholdSharesAreRefused() throws {
        let shares = try Shamir.split(secret: Self.randomSecret(), threshold: 3, shares: 5)
        #expect(throws: ShamirError.tooFewShares(given: 2, threshold: 3)) { try Shamir.combine(Array(shares[0..<2])) }
        #expect(throws: ShamirError.tooFewShares(given: 0, threshold: 1)) { try Shamir.combine([]) }
    }

    @Test(arguments: [2, 3, 5])
    func interpolatingThresholdMinusOneSharesGivesAnotherSecret(threshold: Int) throws {
        let secret = Self.randomSecret()
        let shares = try Shamir.split(secret: secret, threshold: threshold, shares: threshold + 1)
        // Pretend the threshold is one lower, as an attacker holding M-1 shares would have to.
        let lowered = shares.prefix(threshold - 1).map {
            ShamirShare(x: $0.x, threshold: threshold - 1, setID: $0.setID, y: $0.y)
        }
        #expect(try !Shamir.combine(lowered).constantTimeEqual(secret))
    }

    @Test func oneShareOfTwoFitsEveryCandidateSecret() throws {
        // With M = 2 a share (x, y) is consistent with every secret s via the line of slope (y - s) / x.
        let shares = try Shamir.split(secret: Self.randomSecret(1), threshold: 2, shares: 2)
        let share = shares[0]
        let y = share.y.unsafeCopy[0]
        var consistent = 0
        for candidate in 0...255 {
            let slope = GF256.divide(y ^ UInt8(candidate), share.x)
            if GF256.multiply(slope, share.x) ^ UInt8(candidate) == y { consistent += 1 }
        }
        #expect(consistent == 256)
    }

    @Test(arguments: [(0, 1), (2, 1), (1, 256), (-1, 3), (256, 256)])
    func invalidParametersAreRefused(threshold: Int, count: Int) {
        #expect {
            try Shamir.split(secret: Self.randomSecret(), threshold: threshold, shares: count)
        } throws: { error in
            guard case ShamirError.invalidParameters = error else { return false }
            return true
        }
    }

    @Test func emptySecretIsRefused() {
        #expect(throws: ShamirError.self) { try Shamir.split(secret: SecretBytes([]), threshold: 1, shares: 1) }
    }

    @Test func duplicateSharesAreRefused() throws {
        let shares = try Shamir.split(secret: Self.randomSecret(), threshold: 2, shares: 3)
        #expect(throws: ShamirError.duplicateShare(x: 1)) { try Shamir.combine([shares[0], shares[0]]) }
    }

    @Test func sharesOfDifferentSplitsAreRefused() throws {
        let secret = Self.randomSecret()
        let first = try Shamir.split(secret: secret, threshold: 2, shares: 3)
        let second = try Shamir.split(secret: secret, threshold: 2, shares: 3)
        #expect(first[0].setID != second[0].setID)
        #expect(throws: ShamirError.self) { try Shamir.combine([first[0], second[1]]) }
    }

    @Test func encodingRoundTrips() throws {
        let secret = Self.randomSecret()
        let shares = try Shamir.split(secret: secret, threshold: 2, shares: 3)
        let decoded = try shares.map { try ShamirShare(encoded: $0.encoded().unsafeCopy) }
        #expect(decoded.map(\.x) == [1, 2, 3])
        #expect(decoded.allSatisfy { $0.threshold == 2 && $0.setID == shares[0].setID && $0.secretLength == 32 })
        #expect(try Shamir.combine([decoded[2], decoded[0]]).constantTimeEqual(secret))
        let fromText = try shares.map { try ShamirShare(text: "  " + $0.text() + "\n") }
        #expect(try Shamir.combine(fromText).constantTimeEqual(secret))
        #expect(shares[0].text().hasPrefix(ShamirShare.textPrefix))
    }

    @Test func everySingleByteCorruptionIsCaught() throws {
        let share = try Shamir.split(secret: Self.randomSecret(), threshold: 2, shares: 2)[1]
        let encoding = share.encoded().unsafeCopy
        for index in encoding.indices {
            var corrupted = encoding
            corrupted[index] ^= 0x04
            #expect(throws: ShamirError.self, "byte \(index)") { try ShamirShare(encoded: corrupted) }
        }
    }

    @Test func truncatedAndExtendedEncodingsAreRefused() throws {
        let encoding = try Shamir.split(secret: Self.randomSecret(), threshold: 1, shares: 1)[0].encoded().unsafeCopy
        for length in 0..<encoding.count {
            #expect(throws: ShamirError.self) { try ShamirShare(encoded: encoding.prefix(length)) }
        }
        #expect(throws: ShamirError.self) { try ShamirShare(encoded: encoding + [0]) }
    }

    @Test func badTextIsRefused() throws {
        let text = try Shamir.split(secret: Self.randomSecret(), threshold: 1, shares: 1)[0].text()
        #expect(throws: ShamirError.self) { try ShamirShare(text: String(text.dropFirst())) }
        #expect(throws: ShamirError.self) { try ShamirShare(text: text + "z") }
        #expect(throws: ShamirError.self) { try ShamirShare(text: String(text.dropLast(2))) }
        var typo = Array(text)
        typo[20] = typo[20] == "a" ? "b" : "a"
        #expect(throws: ShamirError.checksumMismatch) { try ShamirShare(text: String(typo)) }
    }

    @Test func zeroXAndUnknownVersionAreRefused() throws {
        let share = try Shamir.split(secret: Self.randomSecret(), threshold: 1, shares: 1)[0]
        let zeroX = ShamirShare(x: 0, threshold: 1, setID: share.setID, y: share.y).encoded().unsafeCopy
        #expect(throws: ShamirError.malformedShare("x-coordinate 0")) { try ShamirShare(encoded: zeroX) }
        var otherVersion = share.encoded().unsafeCopy
        otherVersion[0] = 2
        #expect(throws: ShamirError.unsupportedVersion(2)) { try ShamirShare(encoded: otherVersion) }
    }
}
