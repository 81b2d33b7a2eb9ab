// Sealed records: round trips, and every way a stored value can be tampered with, moved or cut short.

@testable import CofferCrypto
import Testing
@testable import CofferState

@Suite struct BarrierTests {
    let barrier = Barrier(domainKey: DomainKey())
    let recordKey = Array("/coffer/objects/key-1".utf8)
    let value = Array("a secret value worth protecting".utf8)

    @Test func roundTrips() throws {
        for plaintext in [[], value, [UInt8](repeating: 0xA5, count: 70_000)] {
            let sealed = try barrier.seal(plaintext, recordKey: recordKey)
            #expect(sealed.count == Barrier.minimumSealedLength + plaintext.count)
            #expect(sealed[0] == Barrier.formatVersion)
            #expect(try barrier.open(sealed, recordKey: recordKey).unsafeCopy == plaintext)
        }
        let secret = SecretBytes(value)
        #expect(
            try barrier.open(barrier.seal(secret, recordKey: recordKey), recordKey: recordKey).constantTimeEqual(secret)
        )
    }

    @Test func sealingTwiceUsesFreshNonces() throws {
        let first = try barrier.seal(value, recordKey: recordKey)
        let second = try barrier.seal(value, recordKey: recordKey)
        #expect(first != second)
        #expect(first[1..<13] != second[1..<13])
    }

    @Test func valueDoesNotAppearInTheSealedRecord() throws {
        let sealed = try barrier.seal(value, recordKey: recordKey)
        #expect(!sealed.indices.contains { sealed[$0...].starts(with: value.prefix(8)) })
    }

    @Test func valueCopiedUnderAnotherRecordKeyFails() throws {
        let sealed = try barrier.seal(value, recordKey: recordKey)
        for other in [Array("/coffer/objects/key-2".utf8), recordKey + [0], Array(recordKey.dropLast()), []] {
            #expect(throws: BarrierError.recordAuthenticationFailed) { try barrier.open(sealed, recordKey: other) }
        }
    }

    @Test func everyFlippedBitFails() throws {
        let sealed = try barrier.seal(Array(value.prefix(5)), recordKey: recordKey)
        var opened = 0
        for index in sealed.indices {
            for bit in 0..<8 {
                var tampered = sealed
                tampered[index] ^= 1 << bit
                if (try? barrier.open(tampered, recordKey: recordKey)) != nil { opened += 1 }
            }
        }
        #expect(opened == 0)
    }

    @Test func changedVersionByteFails() throws {
        var sealed = try barrier.seal(value, recordKey: recordKey)
        sealed[0] = 2
        #expect(throws: BarrierError.recordVersionUnsupported(2)) { try barrier.open(sealed, recordKey: recordKey) }
    }

    @Test func truncatedRecordsFail() throws {
        let sealed = try barrier.seal(value, recordKey: recordKey)
        for length in 0..<sealed.count {
            let cut = Array(sealed.prefix(length))
            let expected: BarrierError =
                length < Barrier.minimumSealedLength ? .recordTruncated(length: length) : .recordAuthenticationFailed
            #expect(throws: expected) { try barrier.open(cut, recordKey: recordKey) }
        }
    }

    @Test func anotherDomainKeyFails() throws {
        let sealed = try barrier.seal(value, recordKey: recordKey)
        let other = Barrier(domainKey: DomainKey())
        #expect(throws: BarrierError.recordAuthenticationFailed) { try other.open(sealed, recordKey: recordKey) }
    }

    @Test func sentinelChecksTheDomainKey() throws {
        let sentinel = try barrier.sealSentinel()
        #expect(barrier.verifySentinel(sentinel))
        #expect(!Barrier(domainKey: DomainKey()).verifySentinel(sentinel))
        var tampered = sentinel
        tampered[tampered.count - 1] ^= 0x80
        #expect(!barrier.verifySentinel(tampered))
        // A record that opens but is not the sentinel's plaintext does not pass either.
        #expect(!barrier.verifySentinel(try barrier.seal(value, recordKey: Barrier.sentinelRecordKey)))
    }

    @Test func errorsCarryTheirReturnCodes() {
        #expect(BarrierError.sealed.returnCode == .deviceError)
        #expect(BarrierError.recordAuthenticationFailed.returnCode == .deviceError)
        #expect(BarrierError.shareCheckFailed(x: 1).returnCode == .argumentsBad)
    }
}
