import Foundation
import Testing
@testable import CofferCrypto

@Suite struct SymmetricSelfTestTests {
    @Test func everySymmetricMechanismIsRegisteredAndSelfTested() throws {
        let module = try CryptoModule.start(selfTests: KnownAnswerTest.symmetric)
        let types = try module.mechanisms().types
        for type: MechanismType in [.aesGCM, .aesCBC, .aesCBCPad, .aesCTR, .aesECB, .aesKeyWrap, .aesKeyWrapKWP, .aesCMAC,
                                    .sha256HMAC, .sha384HMAC, .sha512HMAC, .hkdfDerive, .aesKeyGen, .genericSecretKeyGen] {
            #expect(types.contains(type))
        }
        #expect(KnownAnswerTest.symmetric.count == 14)
    }

    @Test func standardSelfTestsPassThroughStart() throws {
        _ = try CryptoModule.start()
    }

    /// A source that serves the bundled files but flips the last hex digit of every non-empty
    /// `field` line in `file`.
    static func corrupting(_ file: String, field: String) -> VectorFile {
        VectorFile { name in
            let data = try VectorFile.bundled.data(name)
            guard name == file else { return data }
            var lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
            for index in lines.indices where lines[index].hasPrefix(field) {
                guard let last = lines[index].last, last != " ", lines[index].count > field.count else { continue }
                lines[index] = String(lines[index].dropLast()) + (last == "0" ? "1" : "0")
            }
            return Data(lines.joined(separator: "\n").utf8)
        }
    }

    @Test(arguments: [
        ("rfc3394-kw.txt", "C = "),
        ("rfc5649-kwp.txt", "C = "),
        ("gcmEncryptExtIV-subset.rsp", "Tag = "),
        ("CBCMMT256.rsp", "CIPHERTEXT = "),
        ("sp800-38a-ctr.txt", "CIPHERTEXT = "),
        ("rfc-4231-sha512.txt", "MD = "),
        ("rfc-5869-HKDF-SHA256.txt", "OKM  = "),
    ])
    func aCorruptedVectorMakesStartFail(file: String, field: String) throws {
        let corrupted = KnownAnswerTest.symmetricSelfTests(vectors: Self.corrupting(file, field: field))
        #expect(throws: CryptoError.self) { try CryptoModule.start(selfTests: corrupted) }
        // The same tests over the genuine files pass, so it is the corruption that fails them.
        _ = try CryptoModule.start(selfTests: KnownAnswerTest.symmetricSelfTests(vectors: .bundled))
    }

    @Test func aMissingVectorFileMakesStartFail() {
        let missing = VectorFile { name in
            guard name != "aes_cbc_pkcs5_test.json" else { throw CryptoError.selfTestFailed("gone") }
            return try VectorFile.bundled.data(name)
        }
        #expect(throws: CryptoError.self) { try CryptoModule.start(selfTests: KnownAnswerTest.symmetricSelfTests(vectors: missing)) }
    }
}
