// The three roles of an HSM cluster, after AWS CloudHSM's crypto officer, crypto user and appliance user.

/// What a user is for.
public enum Role: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Crypto officer (PKCS#11 SO): manages users and the cluster; cannot use keys.
    case admin = 1
    /// Owns, uses and shares keys (PKCS#11 CKU_USER).
    case cryptoUser = 2
    /// Reads and verifies the audit log, nothing else.
    case auditor = 3

    public var description: String {
        switch self {
        case .admin: "admin"
        case .cryptoUser: "crypto-user"
        case .auditor: "auditor"
        }
    }
}
