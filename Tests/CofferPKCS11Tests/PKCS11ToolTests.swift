// Issue 4's interop check with a real client: OpenSC's pkcs11-tool loads libcoffer-pkcs11.so and
// lists, generates RSA, EC and AES keys, signs (each signature checked by openssl against the
// public key read out through the library) and encrypts and decrypts, against a real cofferd.
import CofferTestSupport
import Foundation
import Testing

@Suite(.serialized) struct PKCS11ToolTests {
    @Test func infoSlotsAndMechanisms() throws {
        let fixture = try PKCS11Fixture()
        let info = try fixture.pkcs11ToolOK(["-I"])
        #expect(info.stdout.contains("Cryptoki version 2.40"), "\(info.stdout)")
        #expect(info.stdout.contains("Coffer"))
        let slots = try fixture.pkcs11ToolOK(["-L"])
        #expect(slots.stdout.contains("token label        : coffer-dev"), "\(slots.stdout)")
        let mechanisms = try fixture.pkcs11ToolOK(["-M"])
        for name in ["SHA256-RSA-PKCS", "ECDSA", "AES-GCM", "AES-CBC-PAD", "RSA-PKCS-KEY-PAIR-GEN"] {
            #expect(mechanisms.stdout.contains(name), "\(name) missing from:\n\(mechanisms.stdout)")
        }
    }

    @Test func keysSignaturesAndEncryption() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        let login = ["--login", "--pin", fixture.pin]
        let message = folder + "/message.txt"
        try ("a message for pkcs11-tool " + UUID().uuidString).write(toFile: message, atomically: true, encoding: .utf8)

        try fixture.pkcs11ToolOK(login + ["--keypairgen", "--key-type", "rsa:2048", "--label", "r1", "--id", "01"])
        try fixture.pkcs11ToolOK(login + ["--keypairgen", "--key-type", "EC:prime256v1", "--label", "e1", "--id", "02"])
        // pkcs11-tool 0.23 picks keys for --sign, --encrypt and --read-object by --id only.
        let listed = try fixture.pkcs11ToolOK(login + ["-O"])
        #expect(listed.stdout.contains("label:      r1") && listed.stdout.contains("label:      e1"), "\(listed.stdout)")

        // RSA: SHA256-RSA-PKCS over the file, verified by openssl with the public key read out.
        try fixture.pkcs11ToolOK(login + ["--sign", "-m", "SHA256-RSA-PKCS", "--id", "01", "-i", message, "-o", "r1.sig"])
        try fixture.pkcs11ToolOK(login + ["--read-object", "--type", "pubkey", "--id", "01", "-o", "r1.der"])
        let rsaVerified = try Tool.run(
            "openssl", ["dgst", "-sha256", "-verify", "r1.der", "-keyform", "DER", "-signature", "r1.sig", message], folder: folder)
        #expect(rsaVerified.stdout.contains("Verified OK"), "\(rsaVerified.stdout)\(rsaVerified.stderr)")

        // EC: ECDSA over the file's SHA-256, DER-encoded for openssl.
        let hashed = try Tool.run("openssl", ["dgst", "-sha256", "-binary", "-out", "message.sha256", message], folder: folder)
        #expect(hashed.status == 0)
        try fixture.pkcs11ToolOK(
            login + ["--sign", "-m", "ECDSA", "--id", "02", "-i", "message.sha256", "-o", "e1.sig", "--signature-format", "openssl"])
        try fixture.pkcs11ToolOK(login + ["--read-object", "--type", "pubkey", "--id", "02", "-o", "e1.der"])
        let ecVerified = try Tool.run(
            "openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", "e1.der", "-keyform", "DER", "-in", "message.sha256", "-sigfile", "e1.sig"],
            folder: folder)
        #expect(ecVerified.stdout.contains("Signature Verified Successfully"), "\(ecVerified.stdout)\(ecVerified.stderr)")

        // A tampered message fails openssl's check (so the checks above can fail).
        try (String(contentsOfFile: message, encoding: .utf8) + "!").write(toFile: message + ".bad", atomically: true, encoding: .utf8)
        let rejected = try Tool.run(
            "openssl", ["dgst", "-sha256", "-verify", "r1.der", "-keyform", "DER", "-signature", "r1.sig", message + ".bad"], folder: folder)
        #expect(!rejected.stdout.contains("Verified OK"))

        // AES-256: CBC-PAD round trip through the node.
        try fixture.pkcs11ToolOK(login + ["--keygen", "--key-type", "AES:32", "--label", "a1", "--id", "03"])
        let iv = "000102030405060708090a0b0c0d0e0f"
        try fixture.pkcs11ToolOK(
            login + ["--encrypt", "-m", "AES-CBC-PAD", "--id", "03", "--iv", iv, "-i", message, "-o", "message.enc"])
        try fixture.pkcs11ToolOK(
            login + ["--decrypt", "-m", "AES-CBC-PAD", "--id", "03", "--iv", iv, "-i", "message.enc", "-o", "message.dec"])
        let plaintext = try Data(contentsOf: URL(fileURLWithPath: message))
        let ciphertext = try Data(contentsOf: URL(fileURLWithPath: folder + "/message.enc"))
        #expect(ciphertext.count % 16 == 0 && ciphertext.count > plaintext.count)
        #expect(ciphertext.range(of: plaintext.prefix(16)) == nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/message.dec")) == plaintext)
    }
}
