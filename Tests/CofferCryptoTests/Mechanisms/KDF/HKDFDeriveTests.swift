import Crypto
import Testing
@testable import CofferCrypto

@Suite struct HKDFDeriveTests {
    let hkdf: any DeriveMechanism

    init() throws {
        hkdf = try MechanismRegistry.standard.derivation(.hkdfDerive)
    }

    static func bytes(_ key: SymmetricKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    @Test func matchesRFC5869VectorsInEveryMode() throws {
        let records = try VectorFile.bundled.cavp("rfc-5869-HKDF-SHA256.txt")
        for r in records {
            let ikm = TestKeys.secret(try r.bytes("IKM"))
            let salt = try r.bytes("salt"), info = try r.bytes("info")
            let both = HKDFParameters(extract: true, expand: true, hash: .sha256, salt: salt, info: info)
            #expect(try Self.bytes(hkdf.derive(baseKey: ikm, parameters: .hkdf(both), outputByteCount: r.int("L"))) == r.bytes("OKM"))

            let extract = HKDFParameters(extract: true, expand: false, hash: .sha256, salt: salt, info: [])
            #expect(try Self.bytes(hkdf.derive(baseKey: ikm, parameters: .hkdf(extract), outputByteCount: 32)) == r.bytes("PRK"))

            let expand = HKDFParameters(extract: false, expand: true, hash: .sha256, salt: [], info: info)
            let prk = TestKeys.secret(try r.bytes("PRK"))
            #expect(try Self.bytes(hkdf.derive(baseKey: prk, parameters: .hkdf(expand), outputByteCount: r.int("L"))) == r.bytes("OKM"))
        }
        #expect(records.count == 3)
    }

    // RFC 5869 has no SHA-384/512 vectors; check them against the definition, using the HMAC
    // mechanisms that RFC 4231 vectors cover: PRK = HMAC(salt, IKM) and T(1) = HMAC(PRK, info || 0x01).
    @Test(arguments: [(MechanismType.sha384, MechanismType.sha384HMAC, 48), (.sha512, .sha512HMAC, 64)])
    func sha384And512FollowTheDefinition(hash: MechanismType, hmacType: MechanismType, length: Int) throws {
        let hmac = try MechanismRegistry.standard.signature(hmacType)
        let ikm: [UInt8] = Array(0..<40), salt: [UInt8] = Array(100..<117), info: [UInt8] = Array("coffer".utf8)
        let extract = HKDFParameters(extract: true, expand: false, hash: hash, salt: salt, info: [])
        let prk = Self.bytes(try hkdf.derive(baseKey: TestKeys.secret(ikm), parameters: .hkdf(extract), outputByteCount: length))
        #expect(prk == (try hmac.sign(ikm, key: TestKeys.secret(salt), parameters: .none)))

        let expand = HKDFParameters(extract: false, expand: true, hash: hash, salt: [], info: info)
        let okm = Self.bytes(try hkdf.derive(baseKey: TestKeys.secret(prk), parameters: .hkdf(expand), outputByteCount: length))
        #expect(okm == (try hmac.sign(info + [1], key: TestKeys.secret(prk), parameters: .none)))

        let both = HKDFParameters(extract: true, expand: true, hash: hash, salt: salt, info: info)
        #expect(try Self.bytes(hkdf.derive(baseKey: TestKeys.secret(ikm), parameters: .hkdf(both), outputByteCount: length)) == okm)
    }

    @Test func rejectsBadRequests() {
        let key = TestKeys.secret([UInt8](repeating: 1, count: 32))
        let both = HKDFParameters(extract: true, expand: true, hash: .sha256, salt: [], info: [])
        expectFailure(.keySizeRange) { _ = try hkdf.derive(baseKey: key, parameters: .hkdf(both), outputByteCount: 0) }
        expectFailure(.keySizeRange) { _ = try hkdf.derive(baseKey: key, parameters: .hkdf(both), outputByteCount: 255 * 32 + 1) }
        #expect(throws: Never.self) { _ = try hkdf.derive(baseKey: key, parameters: .hkdf(both), outputByteCount: 255 * 32) }

        let extract = HKDFParameters(extract: true, expand: false, hash: .sha256, salt: [], info: [])
        expectFailure(.keySizeRange) { _ = try hkdf.derive(baseKey: key, parameters: .hkdf(extract), outputByteCount: 16) }
        let expand = HKDFParameters(extract: false, expand: true, hash: .sha512, salt: [], info: [])
        expectFailure(.keySizeRange) { _ = try hkdf.derive(baseKey: key, parameters: .hkdf(expand), outputByteCount: 16) }

        let neither = HKDFParameters(extract: false, expand: false, hash: .sha256, salt: [], info: [])
        expectFailure(.mechanismParamInvalid) { _ = try hkdf.derive(baseKey: key, parameters: .hkdf(neither), outputByteCount: 16) }
        let sha1 = HKDFParameters(extract: true, expand: true, hash: .sha1, salt: [], info: [])
        expectFailure(.mechanismParamInvalid) { _ = try hkdf.derive(baseKey: key, parameters: .hkdf(sha1), outputByteCount: 16) }
        expectFailure(.mechanismParamInvalid) { _ = try hkdf.derive(baseKey: key, parameters: .none, outputByteCount: 16) }
        expectFailure(.keyTypeInconsistent) { _ = try hkdf.derive(baseKey: TestKeys.publicKey, parameters: .hkdf(both), outputByteCount: 16) }
        expectFailure(.keySizeRange) { _ = try hkdf.derive(baseKey: TestKeys.secret([]), parameters: .hkdf(both), outputByteCount: 16) }
    }
}
