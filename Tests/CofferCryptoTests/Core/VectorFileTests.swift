import Testing
@testable import CofferCrypto

@Suite struct VectorFileTests {
    @Test func parsesHeadersFieldsAndFailFlags() throws {
        let text = """
            # comment
            [Keylen = 128]
            [IVlen = 96]

            Count = 0
            Key = 00ff
            CT =
            FAIL

            Count = 1
            Key = 0102

            [DECRYPT]

            COUNT = 0
            KEY = aa
            """
        let records = try VectorFile.CAVPRecord.parse(text, file: "inline")
        #expect(records.count == 3)
        #expect(records[0].headers == ["KEYLEN": "128", "IVLEN": "96"])
        #expect(try records[0].bytes("key") == [0x00, 0xFF])
        #expect(try records[0].bytes("CT") == [])
        #expect(records[0].expectsFailure && !records[1].expectsFailure)
        #expect(try records[1].int("IVlen") == 96)
        #expect(records[2].headers == ["DECRYPT": ""])
        #expect(throws: CryptoError.self) { try VectorFile.CAVPRecord.parse("# nothing", file: "empty") }
    }

    @Test func bundledFilesLoad() throws {
        #expect(try VectorFile.bundled.cavp("CBCMMT128.rsp").count == 20)
        #expect(try VectorFile.bundled.wycheproof("aes_gcm_test.json").algorithm == "AES-GCM")
        #expect(throws: CryptoError.self) { try VectorFile.bundled.data("no-such-file.txt") }
    }
}
