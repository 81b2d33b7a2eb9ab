import Testing
@testable import CofferCrypto

@Suite struct AESKeyWrapPaddedTests {
    let kwp: any CipherMechanism
    let kek = TestKeys.secret(hex: "000102030405060708090a0b0c0d0e0f")

    init() throws {
        kwp = try MechanismRegistry.standard.cipher(.aesKeyWrapKWP)
    }

    @Test func matchesRFC5649Vectors() throws {
        let records = try VectorFile.bundled.cavp("rfc5649-kwp.txt")
        for r in records {
            let kek = TestKeys.secret(try r.bytes("K"))
            #expect(try kwp.encrypt(r.bytes("P"), key: kek, parameters: .none) == r.bytes("C"))
            #expect(try kwp.decrypt(r.bytes("C"), key: kek, parameters: .none) == r.bytes("P"))
        }
        #expect(records.count == 2)
    }

    @Test func matchesNISTWrapVectors() throws {
        let records = try VectorFile.bundled.cavp("KWP_AE-subset.txt")
        for r in records {
            let kek = TestKeys.secret(try r.bytes("K"))
            #expect(try kwp.encrypt(r.bytes("P"), key: kek, parameters: .none) == r.bytes("C"))
            #expect(try kwp.decrypt(r.bytes("C"), key: kek, parameters: .none) == r.bytes("P"))
        }
        #expect(records.count > 40)
    }

    @Test func matchesNISTUnwrapVectorsIncludingFailures() throws {
        var fails = 0, passes = 0
        for r in try VectorFile.bundled.cavp("KWP_AD-subset.txt") {
            let kek = TestKeys.secret(try r.bytes("K"))
            if r.expectsFailure {
                #expect(throws: CryptoError.wrappedKeyInvalid) { try kwp.decrypt(r.bytes("C"), key: kek, parameters: .none) }
                fails += 1
            } else {
                #expect(try kwp.decrypt(r.bytes("C"), key: kek, parameters: .none) == r.bytes("P"))
                passes += 1
            }
        }
        #expect(fails > 10 && passes == 99)
    }

    @Test func roundTripsEveryShortLength() throws {
        for length in 1...40 {
            let key = [UInt8](repeating: UInt8(length), count: length)
            let wrapped = try kwp.encrypt(key, key: kek, parameters: .none)
            #expect(wrapped.count == max(16, (length + 7) / 8 * 8 + 8))
            #expect(try kwp.decrypt(wrapped, key: kek, parameters: .none) == key)
            var tampered = wrapped
            tampered[0] ^= 1
            #expect(throws: CryptoError.wrappedKeyInvalid) { try kwp.decrypt(tampered, key: kek, parameters: .none) }
        }
    }

    @Test func rejectsBadLengthsParametersAndKeys() {
        expectFailure(.dataLenRange) { _ = try kwp.encrypt([], key: kek, parameters: .none) }
        for length in [0, 8, 15, 17, 23] {
            expectFailure(.wrappedKeyLenRange) { _ = try kwp.decrypt([UInt8](repeating: 0, count: length), key: kek, parameters: .none) }
        }
        expectFailure(.mechanismParamInvalid) { _ = try kwp.encrypt([1], key: kek, parameters: .iv([1, 2, 3, 4])) }
        expectFailure(.keyTypeInconsistent) { _ = try kwp.encrypt([1], key: TestKeys.publicKey, parameters: .none) }
        expectFailure(.keySizeRange) { _ = try kwp.encrypt([1], key: TestKeys.secret([UInt8](repeating: 0, count: 20)), parameters: .none) }
    }
}
