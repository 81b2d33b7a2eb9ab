// Where the library finds its configuration: $COFFER_PKCS11_CONF, else /etc/coffer/pkcs11.conf.
// The file is a client profile (see CofferClient.Profile); `cofferd --dev` writes one.
import Glibc

/// The configuration file's location, and the one place the library writes to stderr.
enum LibraryConfiguration {
    static let defaultPath = "/etc/coffer/pkcs11.conf"

    static var path: String {
        if let value = getenv("COFFER_PKCS11_CONF"), value.pointee != 0 { return String(cString: value) }
        return defaultPath
    }

    /// A one-line diagnostic for the person setting the library up (never a secret).
    static func report(_ message: String) {
        let line = Array("coffer-pkcs11: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
