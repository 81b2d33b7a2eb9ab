// The node's RSA size policy through pkcs11-tool against real cofferd nodes: by default a 1024-bit
// key pair is CKR_KEY_SIZE_RANGE and C_GetMechanismInfo says 2048; a node configured with
// minimumRSABits 1024 makes, uses and reports it. An imported RSA public key (pkcs11-tool sends its
// modulus and exponent) follows the same policy, and under it verifies what OpenSSL signed.
import CofferTestSupport
import Foundation
import Testing

@Suite struct RSAPolicyTests {
    @Test func theDefaultRefuses1024BitKeys() throws {
        let fixture = try PKCS11Fixture()
        let mechanisms = try fixture.pkcs11ToolOK(["-M"])
        #expect(mechanisms.stdout.contains("RSA-PKCS-KEY-PAIR-GEN, keySize={2048,4096}"), "\(mechanisms.stdout)")
        let refused = try fixture.pkcs11Tool(["--login", "--pin", fixture.pin, "--keypairgen", "--key-type", "rsa:1024", "--id", "10"])
        #expect(refused.status != 0)
        #expect((refused.stdout + refused.stderr).contains("CKR_KEY_SIZE_RANGE"), "\(refused.stdout)\(refused.stderr)")
        try Self.make1024BitKey(in: fixture.node.folder)
        let imported = try fixture.pkcs11Tool(["--login", "--pin", fixture.pin, "--write-object", "pub1024.der", "--type", "pubkey", "--id", "20"])
        #expect(imported.status != 0)
        #expect((imported.stdout + imported.stderr).contains("CKR_KEY_SIZE_RANGE"), "\(imported.stdout)\(imported.stderr)")
    }

    /// A 1024-bit RSA key made by openssl in `folder` (k1024.pem), its public key as DER (pub1024.der),
    /// and m.txt signed with it (SHA-256, PKCS#1 v1.5) into openssl.sig.
    static func make1024BitKey(in folder: String) throws {
        try "a message\n".write(toFile: folder + "/m.txt", atomically: true, encoding: .utf8)
        for arguments in [
            ["genrsa", "-out", "k1024.pem", "1024"], ["rsa", "-in", "k1024.pem", "-pubout", "-outform", "DER", "-out", "pub1024.der"],
            ["dgst", "-sha256", "-sign", "k1024.pem", "-out", "openssl.sig", "m.txt"],
        ] {
            let run = try Tool.run("openssl", arguments, folder: folder)
            try #require(run.status == 0, "openssl \(arguments): \(run.stderr)")
        }
    }

    @Test func aNodeConfiguredFor1024BitKeysMakesAndReportsThem() throws {
        let fixture = try PKCS11Fixture(nodeConfiguration: #"{"minimumRSABits": 1024}"#)
        let mechanisms = try fixture.pkcs11ToolOK(["-M"])
        #expect(mechanisms.stdout.contains("RSA-PKCS-KEY-PAIR-GEN, keySize={1024,4096}"), "\(mechanisms.stdout)")
        #expect(mechanisms.stdout.contains("SHA256-RSA-PKCS, keySize={1024,4096}"), "\(mechanisms.stdout)")
        try fixture.pkcs11ToolOK(["--login", "--pin", fixture.pin, "--keypairgen", "--key-type", "rsa:1024", "--id", "10"])
        try "a message\n".write(toFile: fixture.node.folder + "/m.txt", atomically: true, encoding: .utf8)
        try fixture.pkcs11ToolOK(["--login", "--pin", fixture.pin, "--sign", "-m", "SHA256-RSA-PKCS", "--id", "10", "-i", "m.txt", "-o", "m.sig"])
        let size = try FileManager.default.attributesOfItem(atPath: fixture.node.folder + "/m.sig")[.size] as? Int
        #expect(size == 128)
        try fixture.pkcs11ToolOK([
            "--login", "--pin", fixture.pin, "--verify", "-m", "SHA256-RSA-PKCS", "--id", "10", "-i", "m.txt", "--signature-file", "m.sig",
        ])
        try Self.make1024BitKey(in: fixture.node.folder)
        try fixture.pkcs11ToolOK(["--login", "--pin", fixture.pin, "--write-object", "pub1024.der", "--type", "pubkey", "--id", "20"])
        try fixture.pkcs11ToolOK([
            "--login", "--pin", fixture.pin, "--verify", "-m", "SHA256-RSA-PKCS", "--id", "20", "-i", "m.txt", "--signature-file",
            "openssl.sig",
        ])
        let log = try String(contentsOfFile: fixture.node.logPath, encoding: .utf8)
        #expect(log.contains("RSA keys below 2048 bits are allowed"))
    }
}
