import Testing
@testable import CofferCrypto

@Suite struct AESKeyGenerationTests {
    @Test func makesDistinctKeysOfEachAESSize() throws {
        let generator = try MechanismRegistry.standard.keyGeneration(.aesKeyGen)
        for size in [16, 24, 32] {
            let first = try generator.generateKey(byteCount: size)
            let second = try generator.generateKey(byteCount: size)
            #expect(first.bitCount == size * 8)
            #expect(first != second)
            // The key works with an AES mechanism.
            let sealed = try MechanismRegistry.standard.cipher(.aesGCM)
                .encrypt([1], key: .secret(first), parameters: .gcm(iv: [UInt8](repeating: 0, count: 12), additionalData: [], tagBits: 128))
            #expect(sealed.count == 17)
        }
        for size in [-1, 0, 8, 20, 33, 64] {
            expectFailure(.keySizeRange) { _ = try generator.generateKey(byteCount: size) }
        }
        #expect(generator.info == MechanismInfo(minKeySize: 16, maxKeySize: 32, flags: [.generate]))
    }
}
