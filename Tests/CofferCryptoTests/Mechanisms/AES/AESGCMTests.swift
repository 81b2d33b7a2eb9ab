import Testing
@testable import CofferCrypto

@Suite struct AESGCMTests {
    let gcm: any CipherMechanism

    init() throws {
        gcm = try MechanismRegistry.standard.cipher(.aesGCM)
    }

    static func supported(_ r: VectorFile.CAVPRecord) throws -> Bool {
        try r.int("IVlen") >= 96 && [96, 104, 112, 120, 128].contains(r.int("Taglen"))
    }

    @Test func encryptMatchesNISTVectors() throws {
        var checked = 0, rejected = 0
        for r in try VectorFile.bundled.cavp("gcmEncryptExtIV-subset.rsp") {
            let key = TestKeys.secret(try r.bytes("Key"))
            let parameters = try KnownAnswerTest.gcm(r)
            if try Self.supported(r) {
                #expect(try gcm.encrypt(r.bytes("PT"), key: key, parameters: parameters) == r.bytes("CT") + r.bytes("Tag"))
                checked += 1
            } else {
                expectFailure(.mechanismParamInvalid) { _ = try gcm.encrypt(r.bytes("PT"), key: key, parameters: parameters) }
                rejected += 1
            }
        }
        #expect(checked >= 100 && rejected >= 6)
    }

    @Test func decryptMatchesNISTVectorsIncludingFailures() throws {
        var passes = 0, fails = 0
        for r in try VectorFile.bundled.cavp("gcmDecrypt-subset.rsp") {
            let key = TestKeys.secret(try r.bytes("Key"))
            let input = try r.bytes("CT") + r.bytes("Tag")
            let parameters = try KnownAnswerTest.gcm(r)
            if try !Self.supported(r) {
                expectFailure(.mechanismParamInvalid) { _ = try gcm.decrypt(input, key: key, parameters: parameters) }
            } else if r.expectsFailure {
                #expect(throws: CryptoError.encryptedDataInvalid) { try gcm.decrypt(input, key: key, parameters: parameters) }
                fails += 1
            } else {
                #expect(try gcm.decrypt(input, key: key, parameters: parameters) == r.bytes("PT"))
                passes += 1
            }
        }
        #expect(passes >= 50 && fails >= 10)
    }

    /// SP 800-38D's shorter tags (through OpenSSL): NIST's vectors for 96 to 120 bits, both ways,
    /// FAIL records included, and a tag cut or altered anywhere is refused.
    @Test func truncatedTagsMatchNISTVectors() throws {
        var sealed = 0, opened = 0, failed = 0
        for r in try VectorFile.bundled.cavp("gcmEncryptExtIV-truncated-tags.rsp") {
            let key = TestKeys.secret(try r.bytes("Key"))
            let parameters = try KnownAnswerTest.gcm(r)
            let output = try r.bytes("CT") + r.bytes("Tag")
            #expect(try gcm.encrypt(r.bytes("PT"), key: key, parameters: parameters) == output)
            #expect(try gcm.decrypt(output, key: key, parameters: parameters) == r.bytes("PT"))
            var altered = output
            altered[altered.count - 1] ^= 1
            #expect(throws: CryptoError.encryptedDataInvalid) { try gcm.decrypt(altered, key: key, parameters: parameters) }
            #expect(throws: CryptoError.encryptedDataInvalid) { try gcm.decrypt(Array(output.dropLast()), key: key, parameters: parameters) }
            sealed += 1
        }
        for r in try VectorFile.bundled.cavp("gcmDecrypt-truncated-tags.rsp") {
            let key = TestKeys.secret(try r.bytes("Key"))
            let input = try r.bytes("CT") + r.bytes("Tag")
            let parameters = try KnownAnswerTest.gcm(r)
            if r.expectsFailure {
                #expect(throws: CryptoError.encryptedDataInvalid) { try gcm.decrypt(input, key: key, parameters: parameters) }
                failed += 1
            } else {
                #expect(try gcm.decrypt(input, key: key, parameters: parameters) == r.bytes("PT"))
                opened += 1
            }
        }
        #expect(sealed == 16 && opened == 17 && failed == 15, "\(sealed) \(opened) \(failed)")
        // Shorter than the tag itself.
        let short = MechanismParameters.gcm(iv: [UInt8](repeating: 7, count: 12), additionalData: [], tagBits: 96)
        expectFailure(.encryptedDataLenRange) { _ = try gcm.decrypt([UInt8](repeating: 0, count: 11), key: key, parameters: short) }
    }

    @Test func wycheproofCases() throws {
        let file = try VectorFile.bundled.wycheproof("aes_gcm_test.json")
        var valid = 0, invalid = 0, shortIV = 0
        for group in file.testGroups {
            for c in group.tests {
                let key = TestKeys.secret(try c.bytes(\.key))
                let parameters = MechanismParameters.gcm(iv: try c.bytes(\.iv), additionalData: try c.bytes(\.aad), tagBits: 128)
                let sealed = try c.bytes(\.ct) + c.bytes(\.tag)
                if try c.bytes(\.iv).count < 12 {
                    expectFailure(.mechanismParamInvalid) { _ = try gcm.decrypt(sealed, key: key, parameters: parameters) }
                    shortIV += 1
                } else if c.result == "valid" {
                    #expect(try gcm.encrypt(c.bytes(\.msg), key: key, parameters: parameters) == sealed, "tcId \(c.tcId)")
                    #expect(try gcm.decrypt(sealed, key: key, parameters: parameters) == c.bytes(\.msg), "tcId \(c.tcId)")
                    valid += 1
                } else {
                    #expect(throws: CryptoError.encryptedDataInvalid, "tcId \(c.tcId)") {
                        try gcm.decrypt(sealed, key: key, parameters: parameters)
                    }
                    invalid += 1
                }
            }
        }
        #expect(valid == 192 && invalid == 81 && shortIV == 43)
    }

    let key = TestKeys.secret(hex: "000102030405060708090a0b0c0d0e0f")
    let parameters = MechanismParameters.gcm(iv: [UInt8](repeating: 7, count: 12), additionalData: [1, 2, 3], tagBits: 128)

    @Test func tamperedCiphertextTagOrAADFailAuthentication() throws {
        let sealed = try gcm.encrypt(Array("attack at dawn".utf8), key: key, parameters: parameters)
        #expect(sealed.count == 14 + 16)
        for index in [0, sealed.count - 1] {
            var tampered = sealed
            tampered[index] ^= 0x80
            #expect(throws: CryptoError.encryptedDataInvalid) { try gcm.decrypt(tampered, key: key, parameters: parameters) }
        }
        let otherAAD = MechanismParameters.gcm(iv: [UInt8](repeating: 7, count: 12), additionalData: [1, 2, 4], tagBits: 128)
        #expect(throws: CryptoError.encryptedDataInvalid) { try gcm.decrypt(sealed, key: key, parameters: otherAAD) }
    }

    @Test func inputShorterThanTagIsLengthError() {
        expectFailure(.encryptedDataLenRange) { _ = try gcm.decrypt([UInt8](repeating: 0, count: 15), key: key, parameters: parameters) }
        expectFailure(.encryptedDataLenRange) { _ = try gcm.decrypt([], key: key, parameters: parameters) }
    }

    @Test func unsupportedParametersAreRejected() {
        for bad: MechanismParameters in [
            .none,
            .iv([UInt8](repeating: 0, count: 16)),
            .gcm(iv: [UInt8](repeating: 0, count: 11), additionalData: [], tagBits: 128),
            .gcm(iv: [], additionalData: [], tagBits: 128),
            .gcm(iv: [UInt8](repeating: 0, count: 12), additionalData: [], tagBits: 64),
            .gcm(iv: [UInt8](repeating: 0, count: 12), additionalData: [], tagBits: 32),
            .gcm(iv: [UInt8](repeating: 0, count: 12), additionalData: [], tagBits: 100),
            .gcm(iv: [UInt8](repeating: 0, count: 12), additionalData: [], tagBits: 136),
            .gcm(iv: [UInt8](repeating: 0, count: 12), additionalData: [], tagBits: 0),
        ] {
            expectFailure(.mechanismParamInvalid) { _ = try gcm.encrypt([1], key: key, parameters: bad) }
            expectFailure(.mechanismParamInvalid) { _ = try gcm.decrypt([UInt8](repeating: 0, count: 17), key: key, parameters: bad) }
        }
    }

    @Test func wrongKeysAreRejected() {
        expectFailure(.keyTypeInconsistent) { _ = try gcm.encrypt([1], key: TestKeys.publicKey, parameters: parameters) }
        for size in [0, 15, 20, 33, 64] {
            let key = TestKeys.secret([UInt8](repeating: 1, count: size))
            expectFailure(.keySizeRange) { _ = try gcm.encrypt([1], key: key, parameters: parameters) }
        }
    }

    @Test func infoReportsAESKeySizesInBytes() throws {
        #expect(gcm.info == MechanismInfo(minKeySize: 16, maxKeySize: 32, flags: [.encrypt, .decrypt, .wrap, .unwrap]))
    }
}
