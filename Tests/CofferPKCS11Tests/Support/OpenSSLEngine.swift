// OpenSSL 3 with libp11's `pkcs11` engine (Debian's libengine-pkcs11-openssl) loading
// libcoffer-pkcs11.so, configured by an OPENSSL_CONF the test writes into the node's folder.
import CofferTestSupport
import Foundation

/// `openssl` runs that reach Coffer keys through `-engine pkcs11`.
struct OpenSSLEngine {
    let fixture: PKCS11Fixture
    let configuration: String

    /// Writes the OpenSSL configuration: the engine's module is the library under test, and its PIN
    /// is alice's (libp11 caps a PIN typed or passed in a URI at 32 characters; the PIN control
    /// command takes any length).
    init(fixture: PKCS11Fixture) throws {
        self.fixture = fixture
        configuration = fixture.node.folder + "/openssl-pkcs11.cnf"
        let engines = try Self.enginesDirectory(folder: fixture.node.folder)
        let text = """
            openssl_conf = openssl_init
            [openssl_init]
            engines = engine_section
            [engine_section]
            pkcs11 = pkcs11_section
            [pkcs11_section]
            engine_id = pkcs11
            dynamic_path = \(engines)/pkcs11.so
            MODULE_PATH = \(PKCS11Fixture.library)
            PIN = \(fixture.pin)
            init = 0

            """
        try text.write(toFile: configuration, atomically: true, encoding: .utf8)
    }

    /// The RFC 7512 URI of the private key labelled `label`.
    static func privateKey(_ label: String) -> String { "pkcs11:object=\(label);type=private" }

    /// Runs `openssl arguments...` with the engine configuration and the library's configuration.
    func openssl(_ arguments: [String]) throws -> Tool {
        var environment = fixture.environment
        environment["OPENSSL_CONF"] = configuration
        return try Tool.run("openssl", arguments, folder: fixture.node.folder, environment: environment)
    }

    /// Makes `<label>.pem` (and `<label>.der`), a self-signed certificate for the Coffer key
    /// `label`, signed on the node through the engine.
    @discardableResult
    func selfSignedCertificate(_ label: String) throws -> Tool {
        let made = try openssl([
            "req", "-x509", "-new", "-engine", "pkcs11", "-keyform", "engine", "-key", Self.privateKey(label),
            "-subj", "/CN=\(label)", "-days", "30", "-sha256", "-out", "\(label).pem",
        ])
        guard made.status == 0 else { return made }
        return try openssl(["x509", "-in", "\(label).pem", "-outform", "DER", "-out", "\(label).der"])
    }

    /// The folder OpenSSL loads engines from (`openssl version -e`), so the test does not hard-code
    /// the architecture.
    private static func enginesDirectory(folder: String) throws -> String {
        let version = try Tool.run("openssl", ["version", "-e"], folder: folder)
        guard let start = version.stdout.firstIndex(of: "\""), let end = version.stdout.lastIndex(of: "\""), start < end
        else {
            throw DevNodeError(message: "cannot read ENGINESDIR from `openssl version -e`: \(version.stdout)")
        }
        return String(version.stdout[version.stdout.index(after: start)..<end])
    }
}
