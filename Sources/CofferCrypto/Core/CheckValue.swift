// CKA_CHECK_VALUE of a certificate (PKCS#11 3.0 section 4.6.3): the first three bytes of the SHA-1
// hash of its CKA_VALUE. SHA-1 serves here as the specification fixes it, as a checksum that a
// caller can compare, not as a security function.

import Crypto

/// Check values.
public enum CheckValue {
    /// The check value of a certificate whose DER is `value`.
    public static func certificate(_ value: [UInt8]) -> [UInt8] {
        Array(Insecure.SHA1.hash(data: value).prefix(3))
    }
}
