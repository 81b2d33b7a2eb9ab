import Testing
@testable import CofferCrypto

@Suite struct AESCTRTests {
    let ctr: any CipherMechanism
    let key = TestKeys.secret(hex: "000102030405060708090a0b0c0d0e0f")

    init() throws {
        ctr = try MechanismRegistry.standard.cipher(.aesCTR)
    }

    @Test func matchesSP800_38AVectors() throws {
        let records = try VectorFile.bundled.cavp("sp800-38a-ctr.txt")
        for r in records {
            let key = TestKeys.secret(try r.bytes("KEY"))
            let parameters = MechanismParameters.ctr(counterBits: 128, counterBlock: try r.bytes("IV"))
            #expect(try ctr.encrypt(r.bytes("PLAINTEXT"), key: key, parameters: parameters) == r.bytes("CIPHERTEXT"))
            #expect(try ctr.decrypt(r.bytes("CIPHERTEXT"), key: key, parameters: parameters) == r.bytes("PLAINTEXT"))
        }
        #expect(records.count == 3)
    }

    @Test(arguments: ["aes-128-ctr.txt", "aes-192-ctr.txt", "aes-256-ctr.txt"])
    func matchesRFC3686Vectors(file: String) throws {
        let records = try VectorFile.bundled.cavp(file)
        for r in records {
            // RFC 3686 counter blocks are nonce || IV || a 32-bit block counter.
            let parameters = MechanismParameters.ctr(counterBits: 32, counterBlock: try r.bytes("IV"))
            #expect(try ctr.encrypt(r.bytes("PLAINTEXT"), key: TestKeys.secret(r.bytes("KEY")), parameters: parameters) == r.bytes("CIPHERTEXT"))
        }
        #expect(records.count == 3)
    }

    @Test func refusesInputThatWouldWrapTheCounter() throws {
        // 8-bit counter at 0xFE: two blocks fit (0xFE, 0xFF), a third would wrap.
        var block = [UInt8](repeating: 0, count: 16)
        block[15] = 0xFE
        let parameters = MechanismParameters.ctr(counterBits: 8, counterBlock: block)
        #expect(try ctr.encrypt([UInt8](repeating: 0, count: 32), key: key, parameters: parameters).count == 32)
        expectFailure(.dataLenRange) { _ = try ctr.encrypt([UInt8](repeating: 0, count: 33), key: key, parameters: parameters) }
        expectFailure(.encryptedDataLenRange) { _ = try ctr.decrypt([UInt8](repeating: 0, count: 33), key: key, parameters: parameters) }

        // 72-bit counter whose top 8 bits and low 64 bits are all ones: one block left.
        var high = [UInt8](repeating: 0xFF, count: 16)
        high[0] = 0
        let wide = MechanismParameters.ctr(counterBits: 72, counterBlock: high)
        #expect(try ctr.encrypt([UInt8](repeating: 0, count: 16), key: key, parameters: wide).count == 16)
        expectFailure(.dataLenRange) { _ = try ctr.encrypt([UInt8](repeating: 0, count: 17), key: key, parameters: wide) }
        // With a clear bit above the low 64, plenty of values remain.
        high[7] = 0xFE
        let roomy = MechanismParameters.ctr(counterBits: 72, counterBlock: high)
        #expect(try ctr.encrypt([UInt8](repeating: 0, count: 64), key: key, parameters: roomy).count == 64)
    }

    @Test func counterWidthMatchesSwiftCryptoWhenNoWrap() throws {
        // A 32-bit counter that does not wrap gives the same stream as the full 128-bit increment.
        var block = [UInt8](repeating: 0x11, count: 16)
        block[12...15] = [0, 0, 0, 1]
        let narrow = try ctr.encrypt([UInt8](repeating: 0, count: 100), key: key, parameters: .ctr(counterBits: 32, counterBlock: block))
        let full = try ctr.encrypt([UInt8](repeating: 0, count: 100), key: key, parameters: .ctr(counterBits: 128, counterBlock: block))
        #expect(narrow == full)
    }

    @Test func wrongParametersAndKeysAreRejected() {
        let block = [UInt8](repeating: 0, count: 16)
        for bad: MechanismParameters in [.none, .iv(block), .ctr(counterBits: 0, counterBlock: block), .ctr(counterBits: 129, counterBlock: block),
                                         .ctr(counterBits: 32, counterBlock: [UInt8](repeating: 0, count: 12))] {
            expectFailure(.mechanismParamInvalid) { _ = try ctr.encrypt([1], key: key, parameters: bad) }
        }
        let parameters = MechanismParameters.ctr(counterBits: 32, counterBlock: block)
        expectFailure(.keyTypeInconsistent) { _ = try ctr.encrypt([1], key: TestKeys.publicKey, parameters: parameters) }
        expectFailure(.keySizeRange) { _ = try ctr.encrypt([1], key: TestKeys.secret([UInt8](repeating: 0, count: 20)), parameters: parameters) }
    }
}
