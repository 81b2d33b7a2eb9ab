// The cluster's domain key: every record at rest is sealed under a key derived from it.
// It lives only in memory and leaves only as Shamir shares, or HPKE-sealed to a member's identity
// for one exchange (DomainKeyTransfer.swift).

import CofferCrypto
import Crypto

/// An AES-256 key made from the CSPRNG at cluster init. Never serialised except as Shamir shares or HPKE-sealed.
public struct DomainKey: Sendable {
    /// The key length in bytes.
    public static let byteCount = 32

    /// swift-crypto's key type zeroises its storage when released.
    let key: SymmetricKey

    /// A fresh random domain key.
    public init() {
        key = SymmetricKey(size: .bits256)
    }

    /// Rebuilds a domain key from the secret that combined shares yield.
    init(secret: SecretBytes) throws(BarrierError) {
        guard secret.count == Self.byteCount else {
            throw .domainKeyMismatch
        }
        key = secret.withUnsafeBytes { SymmetricKey(data: $0) }
    }

    /// Splits the key into `shares` Shamir shares, any `threshold` of which rebuild it.
    public func split(threshold: Int, shares: Int) throws(BarrierError) -> [ShamirShare] {
        let secret = key.withUnsafeBytes { SecretBytes($0) }
        do {
            return try Shamir.split(secret: secret, threshold: threshold, shares: shares)
        } catch {
            throw .invalidSharing(error.description)
        }
    }
}
