// Keyed names for store keys that would otherwise show a plaintext value (user names), so the store
// (etcd in a cluster, outside the trust boundary) sees neither values nor names.

import Crypto

extension Barrier {
    /// Domain separation for the blind-index key.
    static let blindIndexLabel = Array("coffer/barrier/blind-index/v1".utf8) + [0]

    /// A stable, keyed name for `value` in the namespace `label`: lower-case hex of
    /// HMAC-SHA256(HKDF(domain key, blind-index label), label || 0x00 || value). Equal inputs give equal
    /// names under one domain key; without the domain key the name reveals nothing about the value.
    public func blindIndex(_ label: String, _ value: [UInt8]) -> [UInt8] {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: domainKey.key, info: Self.blindIndexLabel, outputByteCount: DomainKey.byteCount)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(label.utf8) + [0] + value, using: key)
        let digits = Array("0123456789abcdef".utf8)
        return mac.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }
    }
}
