// The key and signature length checks that every RSA mechanism shares, and the node's RSA size
// policy: the smallest modulus it makes or uses is an admin's choice (2048 bits by default, 1024 at
// the least for interoperability with old keys), the largest 4096.

/// RSA size rules.
public struct RSAKeySize: Sendable, Hashable {
    /// The smallest modulus an admin may allow.
    public static let lowestMinimum = 1024
    /// The largest modulus Coffer makes or uses.
    public static let maximumBits = 4096
    /// The default policy: 2048 to 4096 bits (NIST SP 800-131A's floor).
    public static let standard = RSAKeySize(uncheckedMinimum: 2048)

    /// The smallest modulus made or used; smaller keys are CKR_KEY_SIZE_RANGE.
    public let minimumBits: Int

    /// A policy with `minimumBits` (a whole number of bytes from 1024 to 4096 bits); nil otherwise.
    public init?(minimumBits: Int) {
        guard (Self.lowestMinimum...Self.maximumBits).contains(minimumBits), minimumBits % 8 == 0 else { return nil }
        self.minimumBits = minimumBits
    }

    private init(uncheckedMinimum: Int) { minimumBits = uncheckedMinimum }

    /// The modulus sizes the policy allows.
    public var allowed: ClosedRange<Int> { minimumBits...Self.maximumBits }

    /// Keys outside `allowed` are CKR_KEY_SIZE_RANGE for every RSA mechanism.
    func check(_ bits: Int) throws(CryptoError) {
        guard allowed.contains(bits) else {
            throw .keySizeRange("RSA keys must be \(minimumBits) to \(Self.maximumBits) bits on this node, not \(bits)")
        }
    }

    /// The mechanism information for this policy.
    func info(_ flags: MechanismFlags) -> MechanismInfo {
        MechanismInfo(minKeySize: UInt(minimumBits), maxKeySize: UInt(Self.maximumBits), flags: flags)
    }

    /// A signature is exactly k bytes (PKCS#11 3.0 section 2.1.6, CKR_SIGNATURE_LEN_RANGE otherwise).
    static func checkSignatureLength(_ signature: [UInt8], modulusBits: Int) throws(CryptoError) {
        let k = (modulusBits + 7) / 8
        guard signature.count == k else { throw .signatureLenRange("RSA signature must be \(k) bytes") }
    }
}
