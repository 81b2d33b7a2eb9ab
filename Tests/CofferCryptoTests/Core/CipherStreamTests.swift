// CipherStream against the single-part mechanisms: any split of the input gives the one-shot
// output, each update releases exactly what releasedLength says, and the counter limit holds
// across parts.
import Testing
@testable import CofferCrypto

@Suite struct CipherStreamTests {
    let key = TestKeys.secret(hex: "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
    let iv = MechanismParameters.iv(Array(0..<16))
    let counter = MechanismParameters.ctr(counterBits: 128, counterBlock: [UInt8](repeating: 0xfe, count: 16))
    let input = (0..<333).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }

    /// Runs `data` through a stream in parts of the sizes in `splits` (in turn), checking each release.
    func streamed(
        _ type: MechanismType, _ direction: CipherStream.Direction, _ parameters: MechanismParameters, _ data: [UInt8], splits: [Int]
    ) throws -> [UInt8] {
        var stream = try #require(try CipherStream(type, direction, key: key, parameters: parameters))
        var output: [UInt8] = []
        var position = 0, held = 0, turn = 0
        while position < data.count {
            let size = min(splits[turn % splits.count], data.count - position)
            turn += 1
            let released = try stream.update(Array(data[position..<position + size]))
            #expect(released.count == CipherStream.releasedLength(type, direction, pending: held + size))
            held += size - released.count
            output += released
            position += size
        }
        return output + (try stream.finish())
    }

    @Test(arguments: [[1], [7], [15], [16], [17], [100], [0, 1, 0, 31, 16]])
    func anySplitGivesTheOneShotResult(splits: [Int]) throws {
        let registry = MechanismRegistry.standard
        for (type, parameters, length) in [
            (MechanismType.aesCBCPad, iv, 333), (.aesCBCPad, iv, 320), (.aesCBC, iv, 320), (.aesCTR, counter, 333),
        ] {
            let plain = Array(input.prefix(length))
            let whole = try registry.cipher(type).encrypt(plain, key: key, parameters: parameters)
            #expect(try streamed(type, .encrypt, parameters, plain, splits: splits) == whole, "\(type) \(splits)")
            #expect(try streamed(type, .decrypt, parameters, whole, splits: splits) == plain, "\(type) \(splits)")
        }
    }

    @Test func modesWithoutPartOutputHaveNoStream() throws {
        let gcm = MechanismParameters.gcm(iv: Array(0..<12), additionalData: [], tagBits: 128)
        #expect(try CipherStream(.aesGCM, .encrypt, key: key, parameters: gcm) == nil)
        #expect(CipherStream.releasedLength(.aesGCM, .encrypt, pending: 100) == nil)
    }

    @Test func incompleteBlocksAreRefusedAtTheEnd() throws {
        var cbc = try #require(try CipherStream(.aesCBC, .encrypt, key: key, parameters: iv))
        #expect(try cbc.update(Array(input.prefix(17))).count == 16)
        expectFailure(.dataLenRange) { _ = try cbc.finish() }
        var padded = try #require(try CipherStream(.aesCBCPad, .decrypt, key: key, parameters: iv))
        #expect(try padded.update(Array(input.prefix(40))).count == 32)
        expectFailure(.encryptedDataLenRange) { _ = try padded.finish() }
    }

    @Test func theCounterLimitHoldsAcrossParts() throws {
        // An 8-bit counter at 0xFE: two blocks in all, whatever the split.
        var block = [UInt8](repeating: 0, count: 16)
        block[15] = 0xFE
        var stream = try #require(try CipherStream(.aesCTR, .encrypt, key: key, parameters: .ctr(counterBits: 8, counterBlock: block)))
        #expect(try stream.update([UInt8](repeating: 0, count: 20)).count == 20)
        #expect(try stream.update([UInt8](repeating: 0, count: 12)).count == 12)
        expectFailure(.dataLenRange) { _ = try stream.update([0]) }
    }
}
