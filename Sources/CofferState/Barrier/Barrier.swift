// Seals and opens record values under the domain key. Each record gets its own AES-256-GCM key,
// derived with HKDF from the domain key and the record's store key, and the store key is also
// bound as associated data, so a value copied under another key fails to open.

import CofferCrypto
import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The unsealed barrier between the state machine and the raw store.
///
/// Sealed record format, version 1: `version(1) || nonce(12) || ciphertext || tag(16)`, where the
/// AES-256-GCM key is `HKDF-SHA256(ikm: domain key, salt: none, info: label || 0x00 || record key)`
/// and the associated data is `version || record key`.
public final class Barrier: Sendable {
    /// The current sealed-record format version.
    public static let formatVersion: UInt8 = 1
    static let nonceLength = 12
    static let tagLength = 16
    /// The length of a sealed empty value; anything shorter is truncated.
    public static let minimumSealedLength = 1 + nonceLength + tagLength
    /// Domain separation for record keys, so that no other HKDF use of the domain key collides.
    static let recordKeyLabel = Array("coffer/barrier/record-key/v1".utf8) + [0]
    /// The record key of the sentinel that checks a rebuilt domain key.
    public static let sentinelRecordKey = Array("coffer/barrier/sentinel".utf8)
    static let sentinelPlaintext = Array("coffer domain key check v1".utf8)

    let domainKey: DomainKey

    /// A barrier open under `domainKey`.
    public init(domainKey: DomainKey) {
        self.domainKey = domainKey
    }

    /// Seals a secret value to be stored under `recordKey`.
    public func seal(_ plaintext: SecretBytes, recordKey: [UInt8]) throws(BarrierError) -> [UInt8] {
        let key = recordSealingKey(for: recordKey)
        let nonce = AES.GCM.Nonce()
        do {
            let box = try plaintext.withUnsafeBytes { bytes in
                try AES.GCM.seal(bytes, using: key, nonce: nonce, authenticating: Self.associatedData(recordKey))
            }
            return [Self.formatVersion] + nonce.withUnsafeBytes { Array($0) } + Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw .cryptoFailure("AES-GCM seal: \(error)")
        }
    }

    /// Seals a value given as bytes (the caller keeps and zeroises its own copy).
    public func seal(_ plaintext: [UInt8], recordKey: [UInt8]) throws(BarrierError) -> [UInt8] {
        try seal(SecretBytes(plaintext), recordKey: recordKey)
    }

    /// Opens a value stored under `recordKey`. The plaintext comes back as `SecretBytes`, zeroised
    /// on release, because most records hold key material or verifiers.
    /// - Throws: `.recordTruncated`, `.recordVersionUnsupported` or `.recordAuthenticationFailed`.
    public func open(_ sealed: [UInt8], recordKey: [UInt8]) throws(BarrierError) -> SecretBytes {
        guard sealed.count >= Self.minimumSealedLength else { throw .recordTruncated(length: sealed.count) }
        guard sealed[0] == Self.formatVersion else { throw .recordVersionUnsupported(sealed[0]) }
        let tagStart = sealed.count - Self.tagLength
        let key = recordSealingKey(for: recordKey)
        var plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: sealed[1..<(1 + Self.nonceLength)]),
                ciphertext: sealed[(1 + Self.nonceLength)..<tagStart],
                tag: sealed[tagStart...]
            )
            plaintext = try AES.GCM.open(box, using: key, authenticating: Self.associatedData(recordKey))
        } catch {
            throw .recordAuthenticationFailed
        }
        defer { plaintext.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        return SecretBytes(plaintext)
    }

    /// Seals the fixed sentinel, stored in the seal configuration to check a rebuilt domain key.
    public func sealSentinel() throws(BarrierError) -> [UInt8] {
        try seal(Self.sentinelPlaintext, recordKey: Self.sentinelRecordKey)
    }

    /// True when `sealed` is a sentinel sealed under this barrier's domain key.
    public func verifySentinel(_ sealed: [UInt8]) -> Bool {
        guard let opened = try? open(sealed, recordKey: Self.sentinelRecordKey) else { return false }
        return opened.withUnsafeBytes { SecretBytes.constantTimeEqual($0, Self.sentinelPlaintext) }
    }

    private func recordSealingKey(for recordKey: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: domainKey.key,
            info: Self.recordKeyLabel + recordKey,
            outputByteCount: DomainKey.byteCount
        )
    }

    private static func associatedData(_ recordKey: [UInt8]) -> [UInt8] {
        [formatVersion] + recordKey
    }
}
