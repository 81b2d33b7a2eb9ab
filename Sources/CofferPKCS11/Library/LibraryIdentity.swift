// The names and versions the library reports in CK_INFO, CK_SLOT_INFO and CK_TOKEN_INFO.
import CPKCS11

/// Fixed identity strings.
enum LibraryIdentity {
    static let manufacturer = "Coffer"
    static let version = CK_VERSION(major: 0, minor: 1)
    /// The one slot: one cluster per configuration file.
    static let slot: CK_SLOT_ID = 0
}
