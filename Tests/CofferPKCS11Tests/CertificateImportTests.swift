// Issue 16 item 8: an X.509 CA certificate imported with the attributes generic software sends
// (C/certs.c), against a real cofferd; openssl makes the certificate.
import CofferTestSupport
import Foundation
import Testing

@Suite struct CertificateImportTests {
    @Test func aCACertificateImportsWithTheUsualAttributes() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        let made = try Tool.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=Coffer Test CA",
                "-days", "30", "-keyout", folder + "/ca-key.pem", "-outform", "DER", "-out", folder + "/ca.der",
            ], folder: folder)
        try #require(made.status == 0, "\(made.stderr)")
        try CProgram.runChecks("certs", on: fixture, [folder + "/ca.der"])
    }
}
