// The node's RSA size policy through pkcs11-tool against real cofferd nodes: by default a 1024-bit
// key pair is CKR_KEY_SIZE_RANGE and C_GetMechanismInfo says 2048; a node configured with
// minimumRSABits 1024 makes, uses and reports it.
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
        let log = try String(contentsOfFile: fixture.node.logPath, encoding: .utf8)
        #expect(log.contains("RSA keys below 2048 bits are allowed"))
    }
}
