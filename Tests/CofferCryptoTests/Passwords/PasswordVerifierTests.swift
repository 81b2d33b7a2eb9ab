// Password verifiers: right and wrong passwords, fresh salts, encoding round trips and hostile encodings.
// They use a cheap scrypt cost passed explicitly; the standard cost is measured in docs/sealing.md.

import Testing
@testable import CofferCrypto

@Suite struct PasswordVerifierTests {
    static let cheap = PasswordVerifier.Cost(log2Rounds: 6, blockSize: 8, parallelism: 1)
    static let password = Array("correct horse battery staple".utf8)

    @Test func acceptsTheRightPasswordAndRefusesOthers() throws {
        let verifier = try PasswordVerifier.make(password: Self.password, cost: Self.cheap)
        #expect(try verifier.verify(password: Self.password))
        #expect(try !verifier.verify(password: Array("correct horse battery stapl".utf8)))
        #expect(try !verifier.verify(password: Array("Correct horse battery staple".utf8)))
        #expect(try !verifier.verify(password: []))
    }

    @Test func emptyPasswordWorksLikeAnyOther() throws {
        let verifier = try PasswordVerifier.make(password: [], cost: Self.cheap)
        #expect(try verifier.verify(password: []))
        #expect(try !verifier.verify(password: [0]))
    }

    @Test func saltsDifferForTheSamePassword() throws {
        let first = try PasswordVerifier.make(password: Self.password, cost: Self.cheap)
        let second = try PasswordVerifier.make(password: Self.password, cost: Self.cheap)
        #expect(first.salt.count >= 16)
        #expect(first.salt != second.salt)
        #expect(first.encoded() != second.encoded())
    }

    @Test func encodingRoundTripsWithItsCost() throws {
        let verifier = try PasswordVerifier.make(password: Self.password, cost: Self.cheap)
        let decoded = try PasswordVerifier(encoded: verifier.encoded())
        #expect(decoded.cost == Self.cheap)
        #expect(decoded.encoded() == verifier.encoded())
        #expect(try decoded.verify(password: Self.password))
        #expect(decoded.needsRehash())
        #expect(!decoded.needsRehash(for: Self.cheap))
    }

    @Test func malformedEncodingsAreRefused() throws {
        let encoding = try PasswordVerifier.make(password: Self.password, cost: Self.cheap).encoded()
        for length in 0..<encoding.count {
            #expect(throws: CryptoError.self, "length \(length)") {
                try PasswordVerifier(encoded: encoding.prefix(length))
            }
        }
        #expect(throws: CryptoError.self) { try PasswordVerifier(encoded: encoding + [0]) }
        for (index, value) in [(0, UInt8(2)), (1, 2), (2, 0), (2, 40), (3, 0), (4, 0), (4, 200), (5, 8), (5, 255)] {
            var bad = encoding
            bad[index] = value
            #expect(throws: CryptoError.self, "byte \(index) = \(value)") { try PasswordVerifier(encoded: bad) }
        }
    }

    @Test func costsBeyondTheMemoryLimitAreRefused() {
        let greedy = PasswordVerifier.Cost(log2Rounds: 20, blockSize: 8, parallelism: 1)
        #expect(greedy.memory > PasswordVerifier.Cost.maximumMemory)
        #expect(throws: CryptoError.self) { try PasswordVerifier.make(password: Self.password, cost: greedy) }
    }

    @Test func tamperedDigestNoLongerVerifies() throws {
        var encoding = try PasswordVerifier.make(password: Self.password, cost: Self.cheap).encoded()
        encoding[encoding.count - 1] ^= 1
        #expect(try !PasswordVerifier(encoded: encoding).verify(password: Self.password))
    }
}
