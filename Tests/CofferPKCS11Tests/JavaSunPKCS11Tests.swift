// Issue 4's Java interop check: Java 17's SunPKCS11 provider loads libcoffer-pkcs11.so. keytool lists
// the token's keys (and makes and deletes one), and Java/CofferSign.java (compiled with javac at test
// time) signs with a Coffer RSA key and an EC key and verifies with the JDK's own providers.
import CofferTestSupport
import Foundation
import Testing

@Suite(.serialized) struct JavaSunPKCS11Tests {
    /// The Java source, found from this file's path.
    static var source: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Java/CofferSign.java").path
    }

    /// An RSA and an EC key pair in Coffer, each with a self-signed certificate object under the same
    /// CKA_ID (the PKCS11 KeyStore lists a private key only with its certificate), and the SunPKCS11
    /// configuration naming the library.
    static func token(_ fixture: PKCS11Fixture) throws -> String {
        let engine = try OpenSSLEngine(fixture: fixture)
        let login = ["--login", "--pin", fixture.pin]
        for (label, id, keyType) in [("rsa-signer", "10", "rsa:2048"), ("ec-signer", "11", "EC:prime256v1")] {
            try fixture.pkcs11ToolOK(login + ["--keypairgen", "--key-type", keyType, "--label", label, "--id", id])
            let certificate = try engine.selfSignedCertificate(label)
            #expect(certificate.status == 0, "\(certificate.stderr)")
            try fixture.pkcs11ToolOK(
                login + ["--write-object", "\(label).der", "--type", "cert", "--label", label, "--id", id])
        }
        let configuration = fixture.node.folder + "/sunpkcs11.cfg"
        try "name = Coffer\nlibrary = \(PKCS11Fixture.library)\nslot = 0\n".write(
            toFile: configuration, atomically: true, encoding: .utf8)
        return configuration
    }

    /// Runs `keytool arguments...` on the token's PKCS11 KeyStore.
    static func keytool(
        _ arguments: [String], _ fixture: PKCS11Fixture, configuration: String, pin: String? = nil
    ) throws -> Tool {
        let store = [
            "-storetype", "PKCS11", "-providerClass", "sun.security.pkcs11.SunPKCS11", "-providerArg", configuration,
            "-storepass", pin ?? fixture.pin,
        ]
        return try Tool.run("keytool", arguments + store, folder: fixture.node.folder, environment: fixture.environment)
    }

    @Test func keytoolListsCreatesAndDeletesKeys() throws {
        let fixture = try PKCS11Fixture()
        let configuration = try Self.token(fixture)
        let listed = try Self.keytool(["-list"], fixture, configuration: configuration)
        #expect(listed.status == 0, "\(listed.stdout)\(listed.stderr)")
        #expect(listed.stdout.contains("Keystore provider: SunPKCS11-Coffer"), "\(listed.stdout)")
        #expect(listed.stdout.contains("Your keystore contains 2 entries"), "\(listed.stdout)")
        #expect(listed.stdout.contains("rsa-signer, PrivateKeyEntry"), "\(listed.stdout)")
        #expect(listed.stdout.contains("ec-signer, PrivateKeyEntry"), "\(listed.stdout)")

        // The fingerprints keytool shows are those of the certificates on the token.
        for label in ["rsa-signer", "ec-signer"] {
            let fingerprint = try Tool.run(
                "openssl", ["x509", "-in", "\(label).pem", "-noout", "-fingerprint", "-sha256"],
                folder: fixture.node.folder)
            let value = fingerprint.stdout.split(separator: "=").last.map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(value != nil && listed.stdout.contains(value ?? "-"), "\(fingerprint.stdout)\n\(listed.stdout)")
        }

        // keytool -genkeypair generates a session key pair on the token, signs its certificate with it,
        // then copies the private key to a token object (C_CopyObject) and creates the certificate
        // object; -delete destroys both.
        let generated = try Self.keytool(
            [
                "-genkeypair", "-alias", "java-made", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=java-made",
            ],
            fixture, configuration: configuration)
        #expect(generated.status == 0, "\(generated.stdout)\(generated.stderr)")
        let withNew = try Self.keytool(["-list"], fixture, configuration: configuration)
        #expect(withNew.stdout.contains("Your keystore contains 3 entries"), "\(withNew.stdout)")
        #expect(withNew.stdout.contains("java-made, PrivateKeyEntry"), "\(withNew.stdout)")
        let deleted = try Self.keytool(["-delete", "-alias", "java-made"], fixture, configuration: configuration)
        #expect(deleted.status == 0, "\(deleted.stdout)\(deleted.stderr)")
        let objects = try fixture.pkcs11ToolOK(["--login", "--pin", fixture.pin, "-O"])
        #expect(!objects.stdout.contains("java-made") && objects.stdout.contains("rsa-signer"), "\(objects.stdout)")

        // keytool -v prints the cause: the node's CKR_PIN_INCORRECT, passed through unchanged.
        let wrongPIN = try Self.keytool(
            ["-list", "-v"], fixture, configuration: configuration, pin: "alice:wrong password")
        #expect(wrongPIN.status != 0, "\(wrongPIN.stdout)")
        #expect(
            (wrongPIN.stdout + wrongPIN.stderr).contains("CKR_PIN_INCORRECT"), "\(wrongPIN.stdout)\(wrongPIN.stderr)")
    }

    @Test func javaSignsWithCofferAndTheJDKVerifies() throws {
        let fixture = try PKCS11Fixture()
        let configuration = try Self.token(fixture)
        let compiled = try Tool.run("javac", ["-d", "classes", Self.source], folder: fixture.node.folder)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        guard compiled.status == 0 else { return }
        let result = try Tool.run(
            "java", ["-cp", "classes", "CofferSign", configuration, fixture.pin], folder: fixture.node.folder,
            environment: fixture.environment)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stdout.contains(
                "OK rsa-signer SHA256withRSA (256 bytes) verified by SunRsaSign; altered message rejected"),
            "\(result.stdout)")
        #expect(
            result.stdout.contains(
                "OK rsa-signer RSASSA-PSS (256 bytes) verified by SunRsaSign; altered message rejected"),
            "\(result.stdout)")
        #expect(result.stdout.contains("OK ec-signer SHA256withECDSA"), "\(result.stdout)")
        #expect(result.stdout.contains("ALL OK") && !result.stdout.contains("FAIL"), "\(result.stdout)")
    }
}
