// Cluster init: makes the domain key, splits it, and builds the configuration that checks shares later.

import CofferCrypto

/// Makes a new domain key and its shares.
public enum Initializer {
    /// A fresh domain key split `threshold`-of-`shares`.
    ///
    /// Returns the configuration to store (in the clear), the shares to hand to the admins (their
    /// only copy: they are never stored), and the open barrier.
    /// - Throws: `BarrierError.invalidSharing` unless 1 <= threshold <= shares <= 255.
    public static func initialize(
        threshold: Int,
        shares: Int
    ) throws(BarrierError) -> (configuration: SealConfiguration, shares: [ShamirShare], barrier: Barrier) {
        let domainKey = DomainKey()
        let madeShares = try domainKey.split(threshold: threshold, shares: shares)
        let barrier = Barrier(domainKey: domainKey)
        let configuration = try SealConfiguration(shares: madeShares, barrier: barrier)
        return (configuration, madeShares, barrier)
    }
}
