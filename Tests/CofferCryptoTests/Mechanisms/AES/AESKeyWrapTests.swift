import Testing
@testable import CofferCrypto

@Suite struct AESKeyWrapTests {
    let kw: any CipherMechanism
    let kek = TestKeys.secret(hex: "000102030405060708090a0b0c0d0e0f")

    init() throws {
        kw = try MechanismRegistry.standard.cipher(.aesKeyWrap)
    }

    @Test func matchesRFC3394Vectors() throws {
        let records = try VectorFile.bundled.cavp("rfc3394-kw.txt")
        for r in records {
            let kek = TestKeys.secret(try r.bytes("K"))
            #expect(try kw.encrypt(r.bytes("P"), key: kek, parameters: .none) == r.bytes("C"))
            #expect(try kw.decrypt(r.bytes("C"), key: kek, parameters: .none) == r.bytes("P"))
        }
        #expect(records.count == 6)
    }

    @Test func matchesNISTWrapVectors() throws {
        let records = try VectorFile.bundled.cavp("KW_AE-subset.txt")
        for r in records {
            #expect(try kw.encrypt(r.bytes("P"), key: TestKeys.secret(r.bytes("K")), parameters: .none) == r.bytes("C"))
        }
        #expect(records.count > 40)
    }

    @Test func matchesNISTUnwrapVectorsIncludingFailures() throws {
        var fails = 0
        for r in try VectorFile.bundled.cavp("KW_AD-subset.txt") {
            let kek = TestKeys.secret(try r.bytes("K"))
            if r.expectsFailure {
                #expect(throws: CryptoError.wrappedKeyInvalid) { try kw.decrypt(r.bytes("C"), key: kek, parameters: .none) }
                fails += 1
            } else {
                #expect(try kw.decrypt(r.bytes("C"), key: kek, parameters: .none) == r.bytes("P"))
            }
        }
        #expect(fails > 10)
    }

    @Test func rejectsBadLengthsParametersAndKeys() {
        for length in [0, 8, 15, 17, 23] {
            expectFailure(.dataLenRange) { _ = try kw.encrypt([UInt8](repeating: 0, count: length), key: kek, parameters: .none) }
        }
        for length in [0, 8, 16, 25, 31] {
            expectFailure(.wrappedKeyLenRange) { _ = try kw.decrypt([UInt8](repeating: 0, count: length), key: kek, parameters: .none) }
        }
        expectFailure(.mechanismParamInvalid) { _ = try kw.encrypt([UInt8](repeating: 0, count: 16), key: kek, parameters: .iv([1, 2, 3, 4, 5, 6, 7, 8])) }
        expectFailure(.keyTypeInconsistent) { _ = try kw.encrypt([UInt8](repeating: 0, count: 16), key: TestKeys.publicKey, parameters: .none) }
        expectFailure(.keySizeRange) { _ = try kw.encrypt([UInt8](repeating: 0, count: 16), key: TestKeys.secret([UInt8](repeating: 0, count: 20)), parameters: .none) }
    }
}
