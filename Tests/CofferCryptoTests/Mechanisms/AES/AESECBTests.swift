import Testing
@testable import CofferCrypto

@Suite struct AESECBTests {
    let ecb: any CipherMechanism

    init() throws {
        ecb = try MechanismRegistry.standard.cipher(.aesECB)
    }

    @Test(arguments: ["ECBMMT128.rsp", "ECBMMT192.rsp", "ECBMMT256.rsp"])
    func matchesNISTVectors(file: String) throws {
        let records = try VectorFile.bundled.cavp(file)
        for r in records {
            let key = TestKeys.secret(try r.bytes("KEY"))
            if r.headers["ENCRYPT"] != nil {
                #expect(try ecb.encrypt(r.bytes("PLAINTEXT"), key: key, parameters: .none) == r.bytes("CIPHERTEXT"))
            } else {
                #expect(try ecb.decrypt(r.bytes("CIPHERTEXT"), key: key, parameters: .none) == r.bytes("PLAINTEXT"))
            }
        }
        #expect(records.count == 20)
    }

    @Test func rejectsRaggedInputParametersAndWrongKeys() {
        let key = TestKeys.secret([UInt8](repeating: 3, count: 32))
        expectFailure(.dataLenRange) { _ = try ecb.encrypt([UInt8](repeating: 0, count: 15), key: key, parameters: .none) }
        expectFailure(.encryptedDataLenRange) { _ = try ecb.decrypt([UInt8](repeating: 0, count: 31), key: key, parameters: .none) }
        expectFailure(.mechanismParamInvalid) { _ = try ecb.encrypt([UInt8](repeating: 0, count: 16), key: key, parameters: .iv([UInt8](repeating: 0, count: 16))) }
        expectFailure(.keyTypeInconsistent) { _ = try ecb.encrypt([UInt8](repeating: 0, count: 16), key: TestKeys.publicKey, parameters: .none) }
        expectFailure(.keySizeRange) { _ = try ecb.encrypt([UInt8](repeating: 0, count: 16), key: TestKeys.secret([1, 2, 3]), parameters: .none) }
    }

    @Test func advertisesOnlyWrapping() {
        #expect(ecb.info.flags == [.wrap, .unwrap])
    }
}
