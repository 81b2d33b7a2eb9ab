import Testing
@testable import CofferCrypto

@Suite struct AESCBCTests {
    let cbc: any CipherMechanism
    let cbcPad: any CipherMechanism
    let key = TestKeys.secret(hex: "000102030405060708090a0b0c0d0e0f")
    let iv = MechanismParameters.iv([UInt8](repeating: 9, count: 16))

    init() throws {
        cbc = try MechanismRegistry.standard.cipher(.aesCBC)
        cbcPad = try MechanismRegistry.standard.cipher(.aesCBCPad)
    }

    @Test(arguments: ["CBCMMT128.rsp", "CBCMMT192.rsp", "CBCMMT256.rsp"])
    func unpaddedMatchesNISTVectors(file: String) throws {
        let records = try VectorFile.bundled.cavp(file)
        for r in records {
            let key = TestKeys.secret(try r.bytes("KEY"))
            let parameters = MechanismParameters.iv(try r.bytes("IV"))
            if r.headers["ENCRYPT"] != nil {
                #expect(try cbc.encrypt(r.bytes("PLAINTEXT"), key: key, parameters: parameters) == r.bytes("CIPHERTEXT"))
            } else {
                #expect(try cbc.decrypt(r.bytes("CIPHERTEXT"), key: key, parameters: parameters) == r.bytes("PLAINTEXT"))
            }
        }
        #expect(records.count == 20)
    }

    @Test func paddedMatchesWycheproofIncludingBadPadding() throws {
        let file = try VectorFile.bundled.wycheproof("aes_cbc_pkcs5_test.json")
        var valid = 0, badPadding = 0
        for c in file.testGroups.flatMap(\.tests) {
            let key = TestKeys.secret(try c.bytes(\.key))
            let parameters = MechanismParameters.iv(try c.bytes(\.iv))
            if c.result == "valid" {
                #expect(try cbcPad.encrypt(c.bytes(\.msg), key: key, parameters: parameters) == c.bytes(\.ct), "tcId \(c.tcId)")
                #expect(try cbcPad.decrypt(c.bytes(\.ct), key: key, parameters: parameters) == c.bytes(\.msg), "tcId \(c.tcId)")
                valid += 1
            } else {
                #expect(throws: CryptoError.encryptedDataInvalid, "tcId \(c.tcId)") {
                    try cbcPad.decrypt(c.bytes(\.ct), key: key, parameters: parameters)
                }
                badPadding += 1
            }
        }
        #expect(valid == 72 && badPadding == 111)
    }

    @Test func unpaddedNeedsWholeBlocks() throws {
        expectFailure(.dataLenRange) { _ = try cbc.encrypt([UInt8](repeating: 0, count: 17), key: key, parameters: iv) }
        expectFailure(.encryptedDataLenRange) { _ = try cbc.decrypt([UInt8](repeating: 0, count: 15), key: key, parameters: iv) }
        #expect(try cbc.encrypt([], key: key, parameters: iv) == [])
        #expect(try cbc.decrypt([], key: key, parameters: iv) == [])
    }

    @Test func paddedRoundTripsEveryLengthAndRejectsShortOrRaggedInput() throws {
        for length in 0...33 {
            let plaintext = [UInt8](repeating: UInt8(length), count: length)
            let ciphertext = try cbcPad.encrypt(plaintext, key: key, parameters: iv)
            #expect(ciphertext.count == (length / 16 + 1) * 16)
            #expect(try cbcPad.decrypt(ciphertext, key: key, parameters: iv) == plaintext)
        }
        expectFailure(.encryptedDataLenRange) { _ = try cbcPad.decrypt([], key: key, parameters: iv) }
        expectFailure(.encryptedDataLenRange) { _ = try cbcPad.decrypt([UInt8](repeating: 0, count: 20), key: key, parameters: iv) }
    }

    @Test func wrongPaddingIsEncryptedDataInvalid() throws {
        // A block whose plaintext ends in 0x00 is never valid PKCS#7.
        let raw = try cbc.encrypt([UInt8](repeating: 0, count: 16), key: key, parameters: iv)
        #expect(throws: CryptoError.encryptedDataInvalid) { try cbcPad.decrypt(raw, key: key, parameters: iv) }
    }

    @Test func wrongParametersAndKeysAreRejected() {
        for mechanism in [cbc, cbcPad] {
            for bad: MechanismParameters in [.none, .iv([UInt8](repeating: 0, count: 15)), .iv([]), .ctr(counterBits: 32, counterBlock: [UInt8](repeating: 0, count: 16))] {
                expectFailure(.mechanismParamInvalid) { _ = try mechanism.encrypt([UInt8](repeating: 0, count: 16), key: key, parameters: bad) }
                expectFailure(.mechanismParamInvalid) { _ = try mechanism.decrypt([UInt8](repeating: 0, count: 16), key: key, parameters: bad) }
            }
            expectFailure(.keyTypeInconsistent) { _ = try mechanism.encrypt([UInt8](repeating: 0, count: 16), key: TestKeys.publicKey, parameters: iv) }
            expectFailure(.keySizeRange) {
                _ = try mechanism.encrypt([UInt8](repeating: 0, count: 16), key: TestKeys.secret([UInt8](repeating: 0, count: 20)), parameters: iv)
            }
        }
    }
}
