// The sealed-state machine: too few shares, wrong, duplicate and foreign shares, and recovery after them.

@testable import CofferCrypto
import Testing
@testable import CofferState

@Suite struct UnsealerTests {
    @Test func staysSealedUntilTheThreshold() throws {
        let (configuration, shares, _) = try Initializer.initialize(threshold: 3, shares: 5)
        let unsealer = Unsealer(configuration: configuration)
        #expect(unsealer.progress == .sealed(given: 0, threshold: 3))
        #expect(try unsealer.submit(share: shares[4]) == .sealed(given: 1, threshold: 3))
        #expect(try unsealer.submit(share: shares[1]) == .sealed(given: 2, threshold: 3))
        #expect(unsealer.barrier == nil)
        #expect(throws: BarrierError.sealed) { try unsealer.requireBarrier() }
        #expect(try unsealer.submit(share: shares[2]) == .unsealed)
        #expect(unsealer.barrier != nil)
    }

    @Test func unsealedBarrierOpensWhatTheInitialBarrierSealed() throws {
        let (configuration, shares, barrier) = try Initializer.initialize(threshold: 2, shares: 3)
        let recordKey = Array("/coffer/users/alice".utf8)
        let sealed = try barrier.seal(Array("verifier".utf8), recordKey: recordKey)
        // A restarted node reads the configuration back from the store.
        let unsealer = Unsealer(configuration: try SealConfiguration(encoded: configuration.encoded()))
        _ = try unsealer.submit(shareText: shares[2].text())
        #expect(try unsealer.submit(encodedShare: shares[0].encoded().unsafeCopy) == .unsealed)
        #expect(try unsealer.requireBarrier().open(sealed, recordKey: recordKey).unsafeCopy == Array("verifier".utf8))
    }

    @Test func oneOfOneUnsealsAtOnce() throws {
        let (configuration, shares, _) = try Initializer.initialize(threshold: 1, shares: 1)
        let unsealer = Unsealer(configuration: configuration)
        #expect(try unsealer.submit(share: shares[0]) == .unsealed)
        #expect(throws: BarrierError.alreadyUnsealed) { try unsealer.submit(share: shares[0]) }
    }

    @Test func wrongShareIsRejectedAndTheGoodOnesAreKept() throws {
        let (configuration, shares, _) = try Initializer.initialize(threshold: 3, shares: 5)
        let unsealer = Unsealer(configuration: configuration)
        _ = try unsealer.submit(share: shares[0])
        _ = try unsealer.submit(share: shares[1])

        // A share with a valid checksum but altered y: only the check digest catches it.
        var y = shares[3].y.unsafeCopy
        y[0] ^= 1
        let altered = ShamirShare(x: shares[3].x, threshold: 3, setID: shares[3].setID, y: SecretBytes(y))
        #expect(throws: BarrierError.shareCheckFailed(x: 4)) { try unsealer.submit(share: altered) }
        // A typo in the text form: caught by the checksum.
        var text = Array(shares[3].text())
        text[30] = text[30] == "0" ? "1" : "0"
        #expect(throws: BarrierError.shareMalformed(.checksumMismatch)) { try unsealer.submit(shareText: String(text)) }
        #expect(throws: BarrierError.self) { try unsealer.submit(encodedShare: [1, 2, 3]) }
        #expect(throws: BarrierError.shareDuplicate(x: 1)) { try unsealer.submit(share: shares[0]) }
        let outside = ShamirShare(x: 9, threshold: 3, setID: shares[0].setID, y: shares[0].y)
        #expect(throws: BarrierError.shareOutOfRange(x: 9)) { try unsealer.submit(share: outside) }

        #expect(unsealer.progress == .sealed(given: 2, threshold: 3))
        #expect(try unsealer.submit(share: shares[3]) == .unsealed)
    }

    @Test func sharesOfAnotherInitializationAreRejected() throws {
        let (configuration, shares, _) = try Initializer.initialize(threshold: 2, shares: 3)
        let (_, foreign, _) = try Initializer.initialize(threshold: 2, shares: 3)
        let unsealer = Unsealer(configuration: configuration)
        _ = try unsealer.submit(share: shares[0])
        #expect(throws: BarrierError.shareFromAnotherInitialization) { try unsealer.submit(share: foreign[1]) }
        // Even a foreign share that claims this initialization's set id fails its digest.
        let disguised = ShamirShare(x: 2, threshold: 2, setID: shares[0].setID, y: foreign[1].y)
        #expect(throws: BarrierError.shareCheckFailed(x: 2)) { try unsealer.submit(share: disguised) }
        #expect(unsealer.progress == .sealed(given: 1, threshold: 2))
        #expect(try unsealer.submit(share: shares[1]) == .unsealed)
    }

    @Test func resetDiscardsGivenShares() throws {
        let (configuration, shares, _) = try Initializer.initialize(threshold: 2, shares: 2)
        let unsealer = Unsealer(configuration: configuration)
        _ = try unsealer.submit(share: shares[0])
        unsealer.reset()
        #expect(unsealer.progress == .sealed(given: 0, threshold: 2))
        #expect(try unsealer.submit(share: shares[1]) == .sealed(given: 1, threshold: 2))
        #expect(try unsealer.submit(share: shares[0]) == .unsealed)
    }

    @Test func sealDropsTheBarrier() throws {
        let (configuration, shares, _) = try Initializer.initialize(threshold: 1, shares: 2)
        let unsealer = Unsealer(configuration: configuration)
        _ = try unsealer.submit(share: shares[1])
        #expect(unsealer.progress == .unsealed)
        unsealer.seal()
        #expect(unsealer.barrier == nil)
        #expect(unsealer.progress == .sealed(given: 0, threshold: 1))
        #expect(try unsealer.submit(share: shares[0]) == .unsealed)
    }

    @Test(arguments: [(0, 1), (2, 1), (1, 256)])
    func invalidSharingIsRefused(threshold: Int, count: Int) {
        #expect {
            try Initializer.initialize(threshold: threshold, shares: count)
        } throws: { error in
            guard case BarrierError.invalidSharing = error else { return false }
            return true
        }
    }
}
