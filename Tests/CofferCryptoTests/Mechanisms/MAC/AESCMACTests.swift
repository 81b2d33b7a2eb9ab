import Testing
@testable import CofferCrypto

@Suite struct AESCMACTests {
    let cmac: any SignatureMechanism

    init() throws {
        cmac = try MechanismRegistry.standard.signature(.aesCMAC)
    }

    @Test(arguments: ["nist-800-38b-aes128.txt", "nist-800-38b-aes192.txt", "nist-800-38b-aes256.txt"])
    func matchesSP800_38BExamples(file: String) throws {
        let records = try VectorFile.bundled.cavp(file)
        for r in records {
            let key = TestKeys.secret(try r.bytes("KEY"))
            #expect(try cmac.sign(r.bytes("MESSAGE"), key: key, parameters: .none) == r.bytes("OUTPUT"))
            try cmac.verify(r.bytes("OUTPUT"), for: r.bytes("MESSAGE"), key: key, parameters: .none)
        }
        #expect(records.count == 4)
    }

    @Test func verifyRejectsWrongMACsAndLengths() throws {
        let key = TestKeys.secret(hex: "2b7e151628aed2a6abf7158809cf4f3c")
        let mac = try cmac.sign([1, 2, 3], key: key, parameters: .none)
        var wrong = mac
        wrong[15] ^= 1
        #expect(throws: CryptoError.signatureInvalid) { try cmac.verify(wrong, for: [1, 2, 3], key: key, parameters: .none) }
        #expect(throws: CryptoError.signatureInvalid) { try cmac.verify(mac, for: [1, 2, 4], key: key, parameters: .none) }
        expectFailure(.signatureLenRange) { try cmac.verify(Array(mac.prefix(8)), for: [1, 2, 3], key: key, parameters: .none) }
        expectFailure(.signatureLenRange) { try cmac.verify(mac + [0], for: [1, 2, 3], key: key, parameters: .none) }
    }

    @Test func rejectsWrongKeysAndParameters() {
        expectFailure(.keyTypeInconsistent) { _ = try cmac.sign([1], key: TestKeys.publicKey, parameters: .none) }
        expectFailure(.keySizeRange) { _ = try cmac.sign([1], key: TestKeys.secret([UInt8](repeating: 0, count: 20)), parameters: .none) }
        expectFailure(.mechanismParamInvalid) {
            _ = try cmac.sign([1], key: TestKeys.secret([UInt8](repeating: 0, count: 16)), parameters: .iv([UInt8](repeating: 0, count: 16)))
        }
    }
}
