import Testing
@testable import CofferCrypto

@Suite struct GenericSecretKeyGenerationTests {
    @Test func makesKeysFromOneTo512Bytes() throws {
        let generator = try MechanismRegistry.standard.keyGeneration(.genericSecretKeyGen)
        for size in [1, 2, 32, 64, 511, 512] {
            #expect(try generator.generateKey(byteCount: size).bitCount == size * 8)
        }
        #expect(try generator.generateKey(byteCount: 32) != generator.generateKey(byteCount: 32))
        for size in [Int.min, -1, 0, 513, Int.max] {
            expectFailure(.keySizeRange) { _ = try generator.generateKey(byteCount: size) }
        }
    }
}
