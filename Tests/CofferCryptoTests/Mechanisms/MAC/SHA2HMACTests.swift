import Testing
@testable import CofferCrypto

@Suite struct SHA2HMACTests {
    @Test(arguments: [
        (MechanismType.sha256HMAC, "rfc-4231-sha256.txt"),
        (MechanismType.sha384HMAC, "rfc-4231-sha384.txt"),
        (MechanismType.sha512HMAC, "rfc-4231-sha512.txt"),
    ])
    func matchesRFC4231Vectors(type: MechanismType, file: String) throws {
        let hmac = try MechanismRegistry.standard.signature(type)
        let records = try VectorFile.bundled.cavp(file)
        for r in records {
            let key = TestKeys.secret(try r.bytes("Key"))
            #expect(try hmac.sign(r.bytes("Msg"), key: key, parameters: .none) == r.bytes("MD"))
            try hmac.verify(r.bytes("MD"), for: r.bytes("Msg"), key: key, parameters: .none)
        }
        #expect(records.count == 6)
    }

    @Test(arguments: [(MechanismType.sha256HMAC, 32), (.sha384HMAC, 48), (.sha512HMAC, 64)])
    func verifyRejectsWrongMACsAndLengths(type: MechanismType, length: Int) throws {
        let hmac = try MechanismRegistry.standard.signature(type)
        let key = TestKeys.secret([UInt8](repeating: 0x0b, count: 20))
        let mac = try hmac.sign([1, 2, 3], key: key, parameters: .none)
        #expect(mac.count == length)
        var wrong = mac
        wrong[0] ^= 1
        #expect(throws: CryptoError.signatureInvalid) { try hmac.verify(wrong, for: [1, 2, 3], key: key, parameters: .none) }
        expectFailure(.signatureLenRange) { try hmac.verify(Array(mac.dropLast()), for: [1, 2, 3], key: key, parameters: .none) }
        expectFailure(.signatureLenRange) { try hmac.verify([], for: [1, 2, 3], key: key, parameters: .none) }
        expectFailure(.keyTypeInconsistent) { _ = try hmac.sign([1], key: TestKeys.publicKey, parameters: .none) }
        expectFailure(.keySizeRange) { _ = try hmac.sign([1], key: TestKeys.secret([]), parameters: .none) }
        expectFailure(.mechanismParamInvalid) { _ = try hmac.sign([1], key: key, parameters: .iv([UInt8](repeating: 0, count: 16))) }
    }
}
