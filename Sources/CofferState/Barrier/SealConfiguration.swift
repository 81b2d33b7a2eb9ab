// What a sealed node needs to check shares and the rebuilt domain key. It is stored in the clear,
// so it holds only salted digests of the shares and a sealed sentinel: nothing that reveals a share or the key.

import CofferCrypto
import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The public half of an initialization: threshold, share count, per-share check digests and the sentinel.
///
/// Encoding, version 1 (integers big-endian): `version(1) || M(1) || N(1) || setID(8) || salt(32) ||
/// N digests of 32 bytes (for x = 1...N) || sentinelLength(2) || sealed sentinel`.
public struct SealConfiguration: Sendable, Equatable {
    /// The current encoding version.
    public static let formatVersion: UInt8 = 1
    static let saltLength = 32
    static let digestLength = 32
    static let digestLabel = Array("coffer/share-check/v1".utf8) + [0]

    /// M: how many shares unseal.
    public let threshold: Int
    /// N: how many shares were made.
    public let shareCount: Int
    /// The identifier every share of this initialization carries.
    public let setID: [UInt8]
    /// The key of the share check digests.
    public let checkSalt: [UInt8]
    /// `HMAC-SHA256(checkSalt, label || share encoding)` for the share with x = index + 1.
    public let shareDigests: [[UInt8]]
    /// The sentinel record sealed under the domain key (`Barrier.sealSentinel()`).
    public let sealedSentinel: [UInt8]

    init(
        threshold: Int, shareCount: Int, setID: [UInt8], checkSalt: [UInt8], shareDigests: [[UInt8]],
        sealedSentinel: [UInt8]
    ) {
        self.threshold = threshold
        self.shareCount = shareCount
        self.setID = setID
        self.checkSalt = checkSalt
        self.shareDigests = shareDigests
        self.sealedSentinel = sealedSentinel
    }

    /// Builds the configuration for freshly made shares.
    init(shares: [ShamirShare], barrier: Barrier) throws(BarrierError) {
        guard let first = shares.first else { throw .invalidSharing("no shares") }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<Self.saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.init(
            threshold: first.threshold,
            shareCount: shares.count,
            setID: first.setID,
            checkSalt: salt,
            shareDigests: shares.map { Self.digest(of: $0, salt: salt) },
            sealedSentinel: try barrier.sealSentinel()
        )
    }

    /// Checks one share on its own, without the domain key.
    /// - Throws: `.shareFromAnotherInitialization`, `.shareOutOfRange` or `.shareCheckFailed`.
    public func check(_ share: ShamirShare) throws(BarrierError) {
        guard share.setID == setID, share.threshold == threshold else { throw .shareFromAnotherInitialization }
        guard share.x >= 1, Int(share.x) <= shareCount else { throw .shareOutOfRange(x: share.x) }
        let expected = shareDigests[Int(share.x) - 1]
        let authenticated = SecretBytes.constantTimeEqual(Self.digest(of: share, salt: checkSalt), expected)
        guard authenticated else { throw .shareCheckFailed(x: share.x) }
    }

    static func digest(of share: ShamirShare, salt: [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: salt))
        hmac.update(data: digestLabel)
        // Fed straight from the zeroising buffer, so no copy of the share is left behind.
        share.encoded().withUnsafeBytes { hmac.update(data: $0) }
        return Array(hmac.finalize())
    }

    /// The deterministic encoding to store.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.formatVersion, UInt8(threshold), UInt8(shareCount)]
        bytes += setID
        bytes += checkSalt
        for digest in shareDigests { bytes += digest }
        bytes += [
            UInt8(truncatingIfNeeded: sealedSentinel.count >> 8), UInt8(truncatingIfNeeded: sealedSentinel.count),
        ]
        bytes += sealedSentinel
        return bytes
    }

    /// Decodes a stored configuration, checking every length and range.
    public init<C: Collection>(encoded: C) throws(BarrierError) where C.Element == UInt8 {
        let bytes = Array(encoded)
        let fixed = 3 + ShamirShare.setIDLength + Self.saltLength
        guard bytes.count >= fixed else { throw .configurationMalformed("\(bytes.count) bytes is too short") }
        guard bytes[0] == Self.formatVersion else { throw .configurationMalformed("version \(bytes[0])") }
        let threshold = Int(bytes[1])
        let shareCount = Int(bytes[2])
        guard threshold >= 1, threshold <= shareCount else {
            throw .configurationMalformed("threshold \(threshold) of \(shareCount)")
        }
        var offset = 3
        let setID = Array(bytes[offset..<(offset + ShamirShare.setIDLength)])
        offset += ShamirShare.setIDLength
        let salt = Array(bytes[offset..<(offset + Self.saltLength)])
        offset += Self.saltLength
        guard bytes.count >= offset + shareCount * Self.digestLength + 2 else {
            throw .configurationMalformed("too short for \(shareCount) share digests")
        }
        var digests = [[UInt8]]()
        for _ in 0..<shareCount {
            digests.append(Array(bytes[offset..<(offset + Self.digestLength)]))
            offset += Self.digestLength
        }
        let sentinelLength = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
        offset += 2
        guard sentinelLength >= Barrier.minimumSealedLength, bytes.count == offset + sentinelLength else {
            throw .configurationMalformed("sentinel length \(sentinelLength) does not fit")
        }
        self.init(
            threshold: threshold,
            shareCount: shareCount,
            setID: setID,
            checkSalt: salt,
            shareDigests: digests,
            sealedSentinel: Array(bytes[offset...])
        )
    }
}
